"""The forecasting families as scikit-learn regressors of rows: they forecast each row's (series,
time) point from the history they saw, whatever the rows' order, give conformal intervals near
their nominal rate, survive a joblib round trip, and the global boosted model beats the seasonal
naive baseline on MASE."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from mcp_server.core.errors import DataError
from mcp_server.ml.modeling.estimators import make_estimator
from mcp_server.ml.modeling.forecast.scoring import forecast_metrics, neg_mase
from mcp_server.ml.modeling.registry import REGISTRY
from tests.series.support import daily_sales

ROLES = {"time_column": "date", "series_id": "store", "horizon": 14}
FAMILIES = [n for n, s in REGISTRY.items() if "timeseries" in s.data_kinds and s.available()]
# families compared only when named (ARIMA's order search, the recurrent networks' training) take
# seconds per fit: slow here
PARAMS = [
    n if REGISTRY[n].in_defaults else pytest.param(n, marks=pytest.mark.slow) for n in FAMILIES
]


def _split(frame: pd.DataFrame, horizon: int = 14) -> tuple[pd.DataFrame, pd.DataFrame]:
    test = frame.groupby("store").tail(horizon)
    return frame.drop(test.index), test


def _fit(name: str, train: pd.DataFrame) -> object:
    return make_estimator(name, "regression", ROLES, 0).fit(
        train.drop(columns="sales"), train["sales"]
    )


def test_seasonal_naive_repeats_each_series_last_week_in_any_row_order():
    train, test = _split(daily_sales(stores=3, days=60))
    model = _fit("seasonal_naive", train.sample(frac=1.0, random_state=0))
    shuffled = test.sample(frac=1.0, random_state=1)
    # each row's day after the history's end (0: the first), and that weekday of the last week
    step = (pd.to_datetime(shuffled["date"]) - pd.to_datetime(train["date"]).max()).dt.days - 1
    expected = [
        train[train["store"] == s]["sales"].to_numpy()[-7:][k % 7]
        for s, k in zip(shuffled["store"], step, strict=True)
    ]
    assert model.predict(shuffled) == pytest.approx(expected)


@pytest.mark.parametrize("name", PARAMS)
def test_each_family_forecasts_the_rows_points_whatever_their_order_and_reloads_the_same(
    name: str, tmp_path: Path
):
    train, test = _split(daily_sales(stores=3, days=120))
    model = _fit(name, train)
    forward = model.predict(test)
    assert forward.shape == (len(test),) and np.isfinite(forward).all()
    order = np.random.default_rng(0).permutation(len(test))
    assert model.predict(test.iloc[order]) == pytest.approx(forward[order])
    joblib.dump(model, tmp_path / "model.joblib")
    assert joblib.load(tmp_path / "model.joblib").predict(test) == pytest.approx(forward)
    unknown = test.assign(store="s9")
    with pytest.raises(DataError, match="series 's9' has no history"):
        model.predict(unknown)


COVERED = [p for n, p in zip(FAMILIES, PARAMS, strict=True) if n not in ("ets", "arima")]


@pytest.mark.parametrize("name", COVERED)
def test_conformal_intervals_cover_close_to_their_nominal_rate(name: str):
    train, test = _split(daily_sales(stores=20, days=150, seed=1))
    model = _fit(name, train)
    bands = model.predict_interval(test)
    y = test["sales"].to_numpy()
    assert (bands["lower"] <= bands["forecast"]).all() and (
        bands["forecast"] <= bands["upper"]
    ).all()
    coverage = float(np.mean((y >= bands["lower"]) & (y <= bands["upper"])))
    assert 0.75 <= coverage <= 1.0  # nominal 0.9


def test_the_global_boosted_model_beats_the_seasonal_naive_on_mase():
    train, test = _split(daily_sales(stores=20, days=150, seed=1))
    y = test["sales"].to_numpy()
    scores = {}
    for name in ("seasonal_naive", "lgbm_forecast"):
        model = _fit(name, train)
        scores[name] = forecast_metrics(model, test, y, model.predict(test))["mase"]
        assert -neg_mase(model, test, y) == pytest.approx(scores[name], abs=1e-6)
    assert scores["lgbm_forecast"] < scores["seasonal_naive"]


def test_a_clone_forgets_the_history_and_fits_again():
    train, test = _split(daily_sales(stores=2, days=60))
    model = _fit("seasonal_naive", train)
    fresh = clone(model)
    assert not hasattr(fresh, "history_")
    assert fresh.fit(train, train["sales"]).predict(test) == pytest.approx(model.predict(test))


@pytest.mark.parametrize("name", PARAMS)
def test_a_fitted_model_continuing_its_own_rows_forecasts_what_it_forecast_and_refuses_short_ones(
    name: str,
):
    frame = daily_sales(stores=3, days=80)
    X = frame[["date", "store"]].assign(date=pd.to_datetime(frame["date"]))
    model = _fit(name, frame.assign(date=X["date"]))
    own = model.forecast_frame()
    again = model.from_history(X, frame["sales"]).forecast_frame()
    pd.testing.assert_frame_equal(own, again)
    tail = frame.groupby("store").tail(model.min_history())
    continued = model.from_history(X.loc[tail.index], tail["sales"]).forecast_frame()
    assert list(continued["date"]) == list(own["date"])
    if name == "seasonal_naive":  # its whole state is the last week
        np.testing.assert_array_equal(continued["forecast"], own["forecast"])
    short = frame.groupby("store").tail(model.min_history() - 1)
    with pytest.raises(DataError, match="at least"):
        model.from_history(X.loc[short.index], short["sales"])
