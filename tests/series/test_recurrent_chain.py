"""The recurrent forecasters through the whole chain, in-process: compared on a SPEC's
rolling-origin folds against seasonal naive, trained with each store's last `horizon` days held out,
evaluated, exported as joblib (loaded by plain joblib in a fresh interpreter, forecasting the same
numbers), served by `POST /forecast`, registered, and tuned on the SPEC's folds. Small networks
(`params`), so the whole chain costs little CPU."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tracking.runs import get_store
from tests.series.support import write_sales
from tests.support import ROOT, inprocess_client
from tests.train_support import call

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.xdist_group("recurrent_chain")]

HORIZON, DAYS, STORES = 14, 120, 3
SMALL = {"hidden_size": 8, "max_epochs": 20, "patience": 4, "batch_size": 32}
SPEC = f"""---
id: ML-028
version: 0.0.1
status: draft
created: 2026-12-07
updated: 2026-12-07
author: "@moai-ml"
priority: high
---

# @SPEC:ML-028: Daily sales per store, two weeks ahead, recurrent networks

## ML

```yaml
dataset: data/sales.csv
target: sales
task: regression
metric: mase
threshold: 2.0
cv_folds: 2
candidates: [lstm, keras_gru]
kind: timeseries
time_column: date
series_id: store
horizon: {HORIZON}
```
"""
LOAD = """
import json, sys
import joblib, pandas as pd
model = joblib.load(sys.argv[1])
rows = pd.read_json(sys.argv[2], orient="records", dtype=False)
history = pd.read_json(sys.argv[3], orient="records", dtype=False)
last = getattr(model, "pipeline", model)  # the export's schema-checking wrapper
last = last.steps[-1][1] if hasattr(last, "steps") else last
fresh = last.from_history(history.drop(columns="sales"), history["sales"]).forecast_frame()
print(json.dumps([[float(v) for v in model.predict(rows)], list(fresh["forecast"])]))
"""


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write_sales(root / "data" / "sales.csv", stores=STORES, days=DAYS, seed=7)
    spec = root / ".moai" / "specs" / "SPEC-ML-028" / "spec.md"
    spec.parent.mkdir(parents=True)
    spec.write_text(SPEC, encoding="utf-8")
    return root


def _fresh(project: Path, exported: str, rows: pd.DataFrame, history: pd.DataFrame) -> list:
    """The exported file loaded with plain joblib in a new interpreter: its predictions of `rows`
    and its forecast continuing the raw `history` rows."""
    for name, frame in (("rows", rows), ("history", history)):
        (project / f"{name}.json").write_text(frame.to_json(orient="records"), encoding="utf-8")
    files = [str(project / name) for name in (exported, "rows.json", "history.json")]
    done = subprocess.run(
        [sys.executable, "-c", LOAD, *files],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


async def test_lstm_and_keras_gru_compare_train_evaluate_export_serve_register_and_tune(
    project: Path,
) -> None:
    params = {"lstm": SMALL, "keras_gru": SMALL}
    async with inprocess_client(project) as client:
        compared = await call(
            client,
            "ml_compare_models",
            data_path="data/sales.csv",
            target="sales",
            spec_id="ML-028",
            models=["seasonal_naive", "lstm", "keras_gru"],
            params=params,
        )
        board = {e["model"]: e for e in compared["leaderboard"]}
        assert compared["metric"] == "mase" and set(board) == {
            "seasonal_naive",
            "lstm",
            "keras_gru",
        }
        # small networks, few epochs: ranked with the baseline, not required to beat it here
        assert all(np.isfinite(board[f]["score"]) for f in params)

        data = pd.read_csv(project / "data" / "sales.csv")
        holdout = data.groupby("store").tail(HORIZON)[["date", "store"]]
        history = data.drop(holdout.index).groupby("store").tail(40)[["date", "store", "sales"]]
        for family in params:
            trained = await call(
                client,
                "ml_train",
                data_path="data/sales.csv",
                target="sales",
                model=family,
                spec_id="ML-028",
                params=SMALL,
            )
            run_id = trained["run_id"]
            assert trained["test_rows"] == STORES * HORIZON
            evaluated = await call(client, "ml_evaluate", run_id=run_id)
            assert evaluated["metrics"]["mase"] == pytest.approx(trained["metrics"]["mase"])
            exported = await call(client, "ml_export", run_id=run_id, format="joblib")
            model = get_store(Workspace(project)).load_run(run_id).model
            predicted, continued = _fresh(project, exported["path"], holdout, history)
            np.testing.assert_array_equal(predicted, model.predict(holdout))
            X = history.drop(columns="sales").assign(date=pd.to_datetime(history["date"]))
            here = model.steps[-1][1] if hasattr(model, "steps") else model
            own = here.from_history(X, history["sales"]).forecast_frame()["forecast"]
            np.testing.assert_array_equal(continued, own)
            served = await call(client, "ml_generate_serving", run_id=run_id)
            assert served["runtime"] == "joblib" and "POST /forecast" in served["endpoints"]
            registered = await call(client, "ml_register_model", run_id=run_id)
            assert registered["version"]

        tuned = await call(
            client,
            "ml_tune",
            spec_path="ML-028",
            models=["lstm"],
            strategy="random",
            n_trials=2,
            time_budget_s=240,
        )
    assert tuned["metric"] == "mase" and tuned["best_model"] == "lstm"
    assert np.isfinite(tuned["holdout_metrics"]["mase"])
