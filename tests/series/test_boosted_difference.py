"""The boosted forecaster with `difference`: the trees learn each step's change, so a trend goes
on past the highest value the history holds (trees on the levels flatten there), and a continued
history is continued from its own last value."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mcp_server.ml.modeling.estimators import make_estimator

HORIZON = 14
ROLES = {"time_column": "date", "series_id": "store", "horizon": HORIZON}


def _trending(days: int = 150, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for s, slope in enumerate((0.5, 1.5)):
        t = np.arange(days)
        y = 20 + slope * t + rng.normal(0, 1, days)
        dates = pd.date_range("2024-01-01", periods=days, freq="D").strftime("%Y-%m-%d")
        frames.append(pd.DataFrame({"date": dates, "store": f"s{s}", "sales": y}))
    return pd.concat(frames, ignore_index=True)


def _fit(rows: pd.DataFrame, difference: bool) -> object:
    model = make_estimator("lgbm_forecast", "regression", {**ROLES, "difference": difference}, 0)
    return model.fit(rows[["date", "store"]], rows["sales"])


def test_differenced_trees_follow_a_trend_past_the_highest_value_they_saw() -> None:
    data = _trending()
    dates = pd.to_datetime(data["date"])
    cut = dates.max() - pd.Timedelta(days=HORIZON)
    train, future = data[dates <= cut], data[dates > cut]
    errors = {}
    for difference in (False, True):
        forecast = _fit(train, difference).predict(future[["date", "store"]])  # type: ignore[attr-defined]
        errors[difference] = float(np.mean(np.abs(forecast - future["sales"].to_numpy())))
        if difference:
            highest = train.groupby("store")["sales"].max().to_numpy()
            last_step = forecast.reshape(2, HORIZON)[:, -1]
            assert (last_step > highest).all()
    assert errors[True] < errors[False] / 3, errors


def test_a_differenced_model_continues_a_new_history_from_its_last_value() -> None:
    data = _trending()
    model = _fit(data, True)
    recent = data.groupby("store").tail(40)
    recent = recent.assign(date=pd.to_datetime(recent["date"]))
    base = model.from_history(recent, recent["sales"]).forecast_frame()  # type: ignore[attr-defined]
    raised = model.from_history(recent, recent["sales"] + 50.0).forecast_frame()  # type: ignore[attr-defined]
    gap = (raised["forecast"] - base["forecast"]).to_numpy()
    assert (gap > 25).all()  # the forecast starts from the raised series, not the old level
