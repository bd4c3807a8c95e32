"""ARIMA and Theta, the statistical families beside ETS: each series' forecast is statsmodels' own
(the same series and order give the same numbers), the ARIMA search differences a season only
where there is one, and a series too short for the model is refused in one line naming the fix."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from mcp_server.core.errors import DataError
from mcp_server.ml.modeling.estimators import make_estimator
from tests.series.support import daily_sales

ROLES = {"time_column": "date", "series_id": "store", "horizon": 14}
HORIZON = 14


def _fit(name: str, train: pd.DataFrame, **params: object) -> Any:
    model = make_estimator(name, "regression", ROLES, 0).set_params(**params)
    return model.fit(train.drop(columns="sales"), train["sales"])


def _next_days(model: Any, train: pd.DataFrame) -> pd.DataFrame:
    """Each store's next `HORIZON` days, in store order."""
    end = pd.to_datetime(train["date"]).max()
    days = pd.date_range(end + pd.Timedelta(days=1), periods=HORIZON, freq="D")
    stores = sorted(train["store"].unique())
    return pd.DataFrame(
        {"date": np.tile(days.strftime("%Y-%m-%d"), len(stores)), "store": np.repeat(stores, 14)}
    )


def _history(train: pd.DataFrame, store: str) -> np.ndarray:
    return train[train["store"] == store].sort_values("date")["sales"].to_numpy()


def test_arima_forecasts_equal_statsmodels_arima_for_the_order_it_chose_on_each_series():
    from statsmodels.tsa.arima.model import ARIMA

    train = daily_sales(stores=2, days=100, seed=2)
    model = _fit("arima", train)
    forecaster = model
    got = model.predict(_next_days(model, train)).reshape(2, HORIZON)
    for s, store in enumerate(["s0", "s1"]):
        chosen = forecaster.chosen_[s]
        assert chosen["seasonal_order"] == (0, 1, 1, 7)  # a weekly pattern: differenced
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            own = ARIMA(
                _history(train, store),
                order=chosen["order"],
                seasonal_order=chosen["seasonal_order"],
                trend=chosen["trend"],
            ).fit()
        np.testing.assert_allclose(got[s], own.forecast(HORIZON), rtol=1e-9, atol=1e-9)


def test_arima_with_a_given_order_forecasts_what_statsmodels_forecasts_with_it():
    from statsmodels.tsa.arima.model import ARIMA

    train = daily_sales(stores=2, days=120, seed=3)
    model = _fit("arima", train, order=(1, 1, 1), seasonal_order=(1, 0, 0, 7))
    got = model.predict(_next_days(model, train)).reshape(2, HORIZON)
    for s, store in enumerate(["s0", "s1"]):
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            own = ARIMA(_history(train, store), order=(1, 1, 1), seasonal_order=(1, 0, 0, 7))
            expected = own.fit().forecast(HORIZON)
        np.testing.assert_allclose(got[s], expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("theta", [2.0, 1.5])
def test_theta_forecasts_equal_statsmodels_theta_model_per_series(theta: float):
    from statsmodels.tsa.forecasting.theta import ThetaModel

    train = daily_sales(stores=3, days=100, seed=4)
    model = _fit("theta", train, theta=theta)
    got = model.predict(_next_days(model, train)).reshape(3, HORIZON)
    for s, store in enumerate(["s0", "s1", "s2"]):
        own = ThetaModel(_history(train, store), period=7).fit().forecast(HORIZON, theta=theta)
        np.testing.assert_allclose(got[s], own, rtol=1e-12, atol=1e-12)


def test_the_stepwise_order_search_walks_down_the_aicc_to_its_lowest_order_within_max_order():
    from types import SimpleNamespace

    from mcp_server.ml.modeling.forecast.arima import stepwise

    tried: list[tuple[int, int]] = []

    def fitted(p: int, q: int) -> SimpleNamespace | None:  # an AICc bowl around (2, 3)
        tried.append((p, q))
        return None if (p, q) == (1, 2) else SimpleNamespace(aicc=(p - 2) ** 2 + (q - 3) ** 2)

    best, order = stepwise(fitted, 5)
    assert order == (2, 3) and best.aicc == 0
    assert len(tried) == len(set(tried)) < 30  # each order fitted once
    _, capped = stepwise(fitted, 3)
    assert sum(capped) <= 3 and capped != (1, 2)  # an order that does not fit is never chosen


def test_the_arima_search_differences_a_season_only_where_there_is_one():
    rng = np.random.default_rng(5)
    flat = daily_sales(stores=1, days=120, seed=5).assign(store="flat")
    flat["sales"] = 30 + rng.normal(0, 1, len(flat))  # no weekly pattern at all
    weekly = daily_sales(stores=1, days=120, seed=5)
    forecaster = _fit("arima", pd.concat([flat, weekly], ignore_index=True))
    by_series = dict(zip(forecaster.series_, forecaster.chosen_, strict=True))
    assert by_series["flat"]["seasonal_order"][1] == 0
    assert by_series["s0"]["seasonal_order"][1] == 1


@pytest.mark.parametrize(("name", "needs"), [("arima", 21), ("theta", 14)])
def test_a_series_too_short_for_the_model_is_refused_naming_the_fix(name: str, needs: int):
    train = daily_sales(stores=3, days=40, shorter=14)  # s2 has 12 days
    with pytest.raises(DataError) as refused:
        _fit(name, train)
    message = str(refused.value)
    assert f"series 's2' has 12 steps; {name} needs at least {needs}" in message.lower()
    assert "the SPEC's season_length" in message and "\n" not in message
