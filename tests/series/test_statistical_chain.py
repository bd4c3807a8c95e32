"""ARIMA and Theta through the whole chain a forecaster goes through, in-process: compared on a
SPEC's rolling-origin folds, trained with each store's last `horizon` days held out, evaluated,
exported as joblib (loaded by plain joblib in a fresh interpreter, forecasting the same numbers),
served by `POST /forecast`, registered, and tuned on the SPEC's folds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tracking.runs import get_store
from tests.series.support import fresh_predictions, write_sales
from tests.support import inprocess_client
from tests.train_support import call

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.xdist_group("statistical_chain")]

HORIZON, DAYS, STORES = 14, 120, 3
SPEC = f"""---
id: ML-027
version: 0.0.1
status: draft
created: 2026-12-06
updated: 2026-12-06
author: "@moai-ml"
priority: high
---

# @SPEC:ML-027: Daily sales per store, two weeks ahead, statistical families

## ML

```yaml
dataset: data/sales.csv
target: sales
task: regression
metric: mase
threshold: 1.0
cv_folds: 2
candidates: [theta, arima]
kind: timeseries
time_column: date
series_id: store
horizon: {HORIZON}
```
"""


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write_sales(root / "data" / "sales.csv", stores=STORES, days=DAYS, seed=7)
    spec = root / ".moai" / "specs" / "SPEC-ML-027" / "spec.md"
    spec.parent.mkdir(parents=True)
    spec.write_text(SPEC, encoding="utf-8")
    return root


async def test_arima_and_theta_compare_train_evaluate_export_serve_register_and_tune(
    project: Path,
) -> None:
    async with inprocess_client(project) as client:
        compared = await call(
            client,
            "ml_compare_models",
            data_path="data/sales.csv",
            target="sales",
            spec_id="ML-027",
            models=["seasonal_naive", "theta", "arima"],
        )
        board = {e["model"]: e for e in compared["leaderboard"]}
        assert compared["metric"] == "mase" and set(board) == {"seasonal_naive", "theta", "arima"}
        for family in ("theta", "arima"):  # a weekly pattern and a trend: both beat the baseline
            assert board[family]["score"] < board["seasonal_naive"]["score"]

        data = pd.read_csv(project / "data" / "sales.csv")
        holdout = data.groupby("store").tail(HORIZON)[["date", "store"]]
        for family in ("arima", "theta"):
            trained = await call(
                client,
                "ml_train",
                data_path="data/sales.csv",
                target="sales",
                model=family,
                spec_id="ML-027",
            )
            run_id = trained["run_id"]
            assert trained["test_rows"] == STORES * HORIZON and trained["gates_passed"] is True
            evaluated = await call(client, "ml_evaluate", run_id=run_id)
            assert evaluated["metrics"]["mase"] == pytest.approx(trained["metrics"]["mase"])
            exported = await call(client, "ml_export", run_id=run_id, format="joblib")
            model = get_store(Workspace(project)).load_run(run_id).model
            fresh = fresh_predictions(project, exported["path"], holdout)
            np.testing.assert_array_equal(fresh, model.predict(holdout))
            served = await call(client, "ml_generate_serving", run_id=run_id)
            assert served["runtime"] == "joblib" and "POST /forecast" in served["endpoints"]
            registered = await call(client, "ml_register_model", run_id=run_id)
            assert registered["version"]

        # one grid point per family: each family is tuned once on the SPEC's folds (four random
        # trials could all draw one family, and each ARIMA trial runs its order search per fold)
        one_point = {
            "theta": {"theta": [2.0], "method": ["auto"]},
            "arima": {"max_order": [2], "seasonal": [True]},
        }
        tuned = await call(
            client,
            "ml_tune",
            spec_path="ML-027",
            strategy="grid",
            search_space=one_point,
            n_trials=2,  # the two points; the call's estimate counts them (inline, not a job)
            time_budget_s=240,
        )
    assert tuned["metric"] == "mase" and tuned["best_model"] in {"theta", "arima"}
    assert sorted(row["model"] for row in tuned["leaderboard"]) == ["arima", "theta"]
    assert tuned["holdout_metrics"]["mase"] < 1.0 and tuned["gates_passed"] is True
