"""`ml_tune` on a time-series SPEC: the search reads the rows through the SPEC's kind, searches
the forecasting families on rolling-origin folds (never a later row in a fold's training part),
scores MASE with each fold's own seasonal-naive scale, keeps each series' last `horizon` days out
of the search and the refit, judges the winner on them as `ml_train` does, and records a forecast
run that `ml_evaluate` reproduces and `ml_generate_serving` accepts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mcp_server.ml.data.kinds.registry import kind_for
from mcp_server.ml.modeling.dataset import prepare
from mcp_server.ml.modeling.forecast.naive import SeasonalNaiveForecaster
from mcp_server.ml.tuning.folds import cross_val, make_folds
from mcp_server.ml.tuning.holdout import split_off
from mcp_server.ml.tuning.scoring import Scorer
from tests.series.support import write_sales
from tests.support import inprocess_client
from tests.train_support import call, call_error

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("test_forecast_tune")]

HORIZON, DAYS, STORES, FOLDS = 14, 200, 3, 3
OPTIONS = {"time_column": "date", "series_id": "store", "horizon": HORIZON}
SPEC = f"""---
id: ML-026
version: 0.0.1
status: draft
created: 2026-12-06
updated: 2026-12-06
author: "@moai-ml"
priority: high
---

# @SPEC:ML-026: Daily sales per store, two weeks ahead, tuned

## ML

```yaml
dataset: data/sales.csv
target: sales
task: regression
metric: mase
threshold: 1.0
cv_folds: {FOLDS}
candidates: [lgbm_forecast]
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
    root = tmp_path_factory.mktemp("forecast_tune") / "project"
    write_sales(root / "data" / "sales.csv", stores=STORES, days=DAYS)
    spec = root / ".moai" / "specs" / "SPEC-ML-026" / "spec.md"
    spec.parent.mkdir(parents=True)
    spec.write_text(SPEC, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
async def client(project: Path):  # type: ignore[no-untyped-def]
    async with inprocess_client(project) as client:
        yield client


def _searched(project: Path, test_size: float | None = 0.2):  # type: ignore[no-untyped-def]
    """The rows a tune of ML-026 searches (its holdout split off; none without a SPEC) and their
    folds."""
    path = project / "data" / "sales.csv"
    data = prepare(path, "sales", "regression", [], None, kind_for(path, "timeseries", OPTIONS))
    data, holdout = split_off(data, test_size, 42)
    return data, holdout, make_folds(data, FOLDS, 42, Scorer("regression", "mase", 0))


def test_no_search_fold_trains_on_a_day_later_than_its_validation_window(project: Path) -> None:
    data, holdout, folds = _searched(project)
    dates = pd.to_datetime(data.X["date"]).to_numpy()
    assert len(holdout[2]) == STORES * HORIZON and len(folds.parts) == FOLDS
    assert pd.to_datetime(holdout[0]["date"]).min() > dates.max()  # no searched day after it
    for tr, va, X_tr, _ in folds.parts:
        assert len(va) == STORES * HORIZON and "date" in X_tr.columns  # the rows, not a matrix
        for store in ("s0", "s1", "s2"):
            fit = tr[data.X["store"].to_numpy()[tr] == store]
            valid = va[data.X["store"].to_numpy()[va] == store]
            assert dates[fit].max() < dates[valid].min()


def test_a_fold_s_mase_is_scaled_by_the_seasonal_naive_on_that_fold_s_training_part(
    project: Path,
) -> None:
    data, _, folds = _searched(project)
    scored = cross_val(folds, "seasonal_naive", {})
    for (tr, va, X_tr, X_va), value in zip(folds.parts, scored.scores, strict=True):
        naive = SeasonalNaiveForecaster(**folds.roles).fit(X_tr, data.y[tr])
        pred = naive.predict(X_va)
        scale = naive.season_scale(X_va)  # |y_t - y_{t-7}| on this fold's training days only
        assert value == pytest.approx(np.mean(np.abs(data.y[va] - pred) / scale), rel=1e-9)
    assert scored.mean == pytest.approx(1.0, abs=0.35)  # the baseline scores about 1 on itself


@pytest.mark.slow  # a minute on a loaded machine: the job, evaluate, serving, export, register
async def test_a_timeseries_spec_tune_ranks_by_mase_and_is_judged_on_each_series_last_days(
    client, project: Path
) -> None:
    tuned = await call(
        client, "ml_tune", spec_path="ML-026", strategy="optuna", n_trials=4, time_budget_s=120
    )
    assert tuned["metric"] == "mase" and tuned["best_model"] == "lgbm_forecast"
    assert tuned["train_rows"] == STORES * (DAYS - HORIZON)
    assert set(tuned["best_params"]) >= {"learning_rate", "num_leaves", "min_child_samples"}
    naive = cross_val(_searched(project)[2], "seasonal_naive", {})  # on the tune's very folds
    assert tuned["best_cv"] < naive.mean
    held = tuned["holdout_metrics"]
    assert set(held) >= {"mase", "smape", "rmse"} and held["mase"] < 1.0
    assert tuned["gates_passed"] is True

    evaluated = await call(client, "ml_evaluate", run_id=tuned["run_id"])
    assert evaluated["rows"] == STORES * HORIZON
    assert evaluated["metrics"]["mase"] == pytest.approx(held["mase"], rel=1e-6)
    served = await call(client, "ml_generate_serving", run_id=tuned["run_id"])
    assert served["runtime"] == "joblib" and "POST /forecast" in served["endpoints"]
    onnx = await call_error(client, "ml_export", run_id=tuned["run_id"], format="onnx")
    assert "joblib" in onnx  # refused as a forecast run is (moai.data_kind), in one line
    exported = await call(client, "ml_export", run_id=tuned["run_id"], format="joblib")
    registered = await call(client, "ml_register_model", run_id=tuned["run_id"])
    assert exported["format"] == "joblib" and registered["version"]


async def test_tuning_the_seasonal_naive_alone_is_refused_naming_the_families_that_tune(client):
    refused = await call_error(client, "ml_tune", spec_path="ML-026", models=["seasonal_naive"])
    assert "seasonal_naive has nothing to tune" in refused
    assert "lgbm_forecast" in refused and "ets" in refused


@pytest.mark.slow  # a job of three trials on three folds, then its folds re-scored here
async def test_a_series_tune_without_a_spec_searches_rolling_origin_folds_by_mase_from_kind_options(
    client, project: Path
) -> None:
    tuned = await call(
        client,
        "ml_tune",
        data_path="data/sales.csv",
        target="sales",
        kind="timeseries",
        kind_options=OPTIONS,
        models=["lgbm_forecast"],
        strategy="optuna",
        n_trials=3,
        cv_folds=FOLDS,
        time_budget_s=120,
    )
    assert tuned["metric"] == "mase" and tuned["higher_is_better"] is False
    assert tuned["train_rows"] == STORES * DAYS and tuned["holdout_metrics"] is None
    _, _, folds = _searched(project, test_size=None)  # every row: the rolling-origin folds
    winner = cross_val(folds, "lgbm_forecast", tuned["best_params"])
    assert tuned["best_cv"] == pytest.approx(winner.mean, rel=1e-6)  # scored on these very folds
    assert tuned["best_cv"] < cross_val(folds, "seasonal_naive", {}).mean
