"""Forecasting through the tools (the in-process server): a SPEC with `kind: timeseries` makes
`ml_compare_models` cross-validate the kind's families on rolling-origin folds, ranked by the
SPEC's MASE with the seasonal naive baseline among them, and `ml_train` hold out each store's last
`horizon` days, score MASE against the seasonal naive and gate on it; `ml_evaluate` reads the run's
holdout through the SPEC's kind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mcp_server.ml.modeling.registry import REGISTRY
from tests.series.support import write_sales
from tests.support import inprocess_client
from tests.train_support import call, call_error

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("test_forecast_tools")]

HORIZON = 14
FORECASTERS = [n for n, s in REGISTRY.items() if "timeseries" in s.data_kinds and s.in_defaults]
SPEC = f"""---
id: ML-025
version: 0.0.1
status: draft
created: 2026-12-06
updated: 2026-12-06
author: "@moai-ml"
priority: high
---

# @SPEC:ML-025: Daily sales per store, two weeks ahead

## ML

```yaml
dataset: data/sales.csv
target: sales
task: regression
metric: mase
threshold: 1.0
cv_folds: 3
kind: timeseries
time_column: date
series_id: store
horizon: {HORIZON}
```
"""


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("forecast") / "project"
    write_sales(root / "data" / "sales.csv", stores=3, days=200)
    spec = root / ".moai" / "specs" / "SPEC-ML-025" / "spec.md"
    spec.parent.mkdir(parents=True)
    spec.write_text(SPEC, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
async def client(project: Path):  # type: ignore[no-untyped-def]
    async with inprocess_client(project) as client:  # one server for the module
        yield client


async def test_a_timeseries_spec_compares_trains_and_evaluates_forecasts_against_the_baseline(
    client, project: Path
):
    compared = await call(
        client,
        "ml_compare_models",
        data_path="data/sales.csv",
        target="sales",
        spec_id="ML-025",
    )
    board = compared["leaderboard"]
    assert compared["metric"] == "mase"
    assert sorted(e["model"] for e in board) == sorted(
        n for n in FORECASTERS if REGISTRY[n].available()
    )
    scores = [e["score"] for e in board]
    assert scores == sorted(scores) and not compared["higher_is_better"]  # MASE: lower wins
    naive = next(e for e in board if e["model"] == "seasonal_naive")
    assert board[0]["model"] != "seasonal_naive" and board[0]["score"] < naive["score"]
    assert "smape" in naive["metrics"]
    _each_family_says_whether_it_beat_the_baseline(board)

    trained = await call(
        client,
        "ml_train",
        data_path="data/sales.csv",
        target="sales",
        model=board[0]["model"],
        spec_id="ML-025",
    )
    baseline = await call(
        client,
        "ml_train",
        data_path="data/sales.csv",
        target="sales",
        model="seasonal_naive",
        spec_id="ML-025",
    )
    assert trained["test_rows"] == 3 * HORIZON and trained["train_rows"] == 3 * (200 - HORIZON)
    assert trained["metrics"]["mase"] < baseline["metrics"]["mase"]
    assert trained["gates_passed"] is True

    evaluated = await call(client, "ml_evaluate", run_id=trained["run_id"])
    assert evaluated["rows"] == 3 * HORIZON
    plot = project / evaluated["plots"]["forecast"]  # history, actuals, forecast and interval
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert evaluated["metrics"]["mase"] == pytest.approx(trained["metrics"]["mase"], rel=1e-6)

    error = await call_error(
        client,
        "ml_train",
        data_path="data/sales.csv",
        target="sales",
        model="ridge",
        spec_id="ML-025",
    )
    assert "do not fit timeseries data" in error


def _each_family_says_whether_it_beat_the_baseline(board: list[dict]) -> None:
    naive = next(e for e in board if e["model"] == "seasonal_naive")
    assert naive["versus_baseline"].startswith("the baseline")
    for entry in board:
        if entry is not naive:
            beats = entry["score"] < naive["score"]  # MASE: lower is better
            said = entry["versus_baseline"]
            assert said.startswith("beats" if beats else "does not beat"), said
            assert "seasonal_naive" in said


async def test_a_forecast_comparison_measures_the_families_it_is_named_against_the_baseline(
    client,
):
    compared = await call(
        client,
        "ml_compare_models",
        data_path="data/sales.csv",
        target="sales",
        models=["theta"],
        cv_folds=2,
        kind="timeseries",
        kind_options={"time_column": "date", "series_id": "store", "horizon": 7},
    )
    board = compared["leaderboard"]
    assert sorted(e["model"] for e in board) == ["seasonal_naive", "theta"]
    _each_family_says_whether_it_beat_the_baseline(board)


async def test_a_comparison_on_a_single_series_takes_arima_among_its_default_families(
    client, project: Path
):
    frame = pd.read_csv(project / "data" / "sales.csv")
    frame[frame["store"] == "s0"].drop(columns="store").to_csv(
        project / "data" / "one_store.csv", index=False
    )
    compared = await call(
        client,
        "ml_compare_models",
        data_path="data/one_store.csv",
        target="sales",
        models=None,
        cv_folds=2,
        kind="timeseries",
        kind_options={"time_column": "date", "horizon": 7},
    )
    assert "arima" in {e["model"] for e in compared["leaderboard"]}  # one order search a fold
    _each_family_says_whether_it_beat_the_baseline(compared["leaderboard"])


async def test_the_holdout_ml_train_records_is_each_series_last_horizon_of_days(
    client, project: Path
):
    trained = await call(
        client,
        "ml_train",
        data_path="data/sales.csv",
        target="sales",
        model="seasonal_naive",
        kind="timeseries",
        kind_options={"time_column": "date", "series_id": "store", "horizon": 7},
    )
    frame = pd.read_csv(project / "data" / "sales.csv")
    last = frame.groupby("store")["date"].transform("max")
    expected = (pd.to_datetime(last) - pd.to_datetime(frame["date"])).dt.days < 7
    assert trained["test_rows"] == int(expected.sum()) == 21
    # the seasonal naive's holdout MASE, computed here from the table alone: each day repeats the
    # same weekday of the last week seen, scaled by the history's mean weekly difference
    errors, scales = [], []
    for _, rows in frame.sort_values("date").groupby("store"):
        history, future = rows["sales"].to_numpy()[:-7], rows["sales"].to_numpy()[-7:]
        errors += list(np.abs(future - history[-7:]))
        scales += [np.mean(np.abs(history[7:] - history[:-7]))] * 7
    assert trained["metrics"]["mase"] == pytest.approx(
        float(np.mean(np.array(errors) / np.array(scales))), rel=1e-5
    )
