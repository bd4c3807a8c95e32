"""The combination family: it ranks its members on rolling-origin folds of its own training
history (each fold's score is a member's error past an origin it never trained beyond), keeps the
`top` of them, and forecasts their mean (or their mean weighted by 1 / score); continuing a new
history, each member continues it as it would alone."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from mcp_server.ml.modeling.estimators import make_estimator
from mcp_server.ml.modeling.registry import REGISTRY
from tests.series.support import daily_sales

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("combo")]

HORIZON = 7
ROLES = {"time_column": "date", "series_id": "store", "horizon": HORIZON}
FAMILY_OF = {
    spec.regressor.split(":")[1]: name
    for name, spec in REGISTRY.items()
    if spec.regressor and "timeseries" in spec.data_kinds
}


def _fit(name: str, rows: pd.DataFrame, **params: Any) -> Any:
    model = make_estimator(name, "regression", {**ROLES, **params}, 0)
    return model.fit(rows[["date", "store"]], rows["sales"])


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return daily_sales(stores=2, days=70, seed=3)


@pytest.fixture(scope="module")
def combined(data: pd.DataFrame) -> Any:
    return _fit("combo", data)


def _next_days(data: pd.DataFrame, steps: int = HORIZON) -> pd.DataFrame:
    end = pd.to_datetime(data["date"]).max()
    days = pd.date_range(end + pd.Timedelta(days=1), periods=steps, freq="D")
    stores = sorted(data["store"].unique())
    return pd.DataFrame(
        {"date": np.tile(days.strftime("%Y-%m-%d"), len(stores)), "store": np.repeat(stores, steps)}
    )


def test_it_forecasts_the_mean_of_its_two_best_scored_members_each_as_fitted_alone(
    data: pd.DataFrame, combined: Any
) -> None:
    scores = combined.chosen_["scores"]
    best = sorted(scores, key=scores.__getitem__)[:2]
    assert combined.chosen_["members"] == best and combined.weights_ == [0.5, 0.5]
    rows = _next_days(data)
    alone = [_fit(FAMILY_OF[name], data) for name in best]
    want = np.mean([model.predict(rows) for model in alone], axis=0)
    np.testing.assert_allclose(combined.predict(rows), want, rtol=1e-9)

    recent = data.groupby("store").tail(40).assign(sales=lambda f: f["sales"] + 5.0)
    recent = recent.assign(date=pd.to_datetime(recent["date"]))
    continued = combined.from_history(recent, recent["sales"]).forecast_frame()
    members = [m.from_history(recent, recent["sales"]).forecast_frame() for m in alone]
    want = np.mean([m["forecast"].to_numpy() for m in members], axis=0)
    np.testing.assert_allclose(continued["forecast"], want, rtol=1e-9)
    assert (continued["lower"] < continued["forecast"]).all()


def test_a_member_s_score_is_its_error_past_each_fold_origin_it_never_trained_beyond(
    data: pd.DataFrame, combined: Any
) -> None:
    dates = pd.to_datetime(data["date"])
    errors = []
    for k in (2, 1):  # the selection's folds: the last two windows before the history's end
        origin = dates.max() - pd.Timedelta(days=k * HORIZON)
        seen = data[dates <= origin]
        window = data[(dates > origin) & (dates <= origin + pd.Timedelta(days=HORIZON))]
        forecast = _fit("theta", seen).predict(window[["date", "store"]])
        scale = combined.season_scale(window[["date", "store"]])
        errors.append(np.mean(np.abs(window["sales"].to_numpy() - forecast) / scale))
    assert combined.chosen_["scores"]["ThetaForecaster"] == pytest.approx(np.mean(errors))


def test_weighted_it_weighs_each_member_by_the_inverse_of_its_fold_score(
    data: pd.DataFrame,
) -> None:
    model = _fit("combo", data, weighted=True, top=3)
    scores = [model.chosen_["scores"][name] for name in model.chosen_["members"]]
    inverse = np.array([1 / s for s in scores])
    np.testing.assert_allclose(model.weights_, inverse / inverse.sum())
    assert scores == sorted(scores) and len(scores) == 3
