"""Forecast metrics: MASE (mean absolute error scaled by each series' in-sample seasonal naive
error, `Forecaster.season_scale`: below 1 beats the seasonal naive) and sMAPE (symmetric mean
absolute percentage error, 0 to 2). Scorers in scikit-learn's `(estimator, X, y)` form, negated
as its error scorers are."""

from __future__ import annotations

from typing import Any


def forecaster_of(model: Any) -> Any:
    """The forecasting step of a model (a Pipeline's last step), or None for other models."""
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    return final if hasattr(final, "season_scale") else None


def mase(model: Any, X: Any, y: Any, pred: Any) -> float:
    import numpy as np

    scale = forecaster_of(model).season_scale(X)
    return float(np.mean(np.abs(np.asarray(y, dtype=float) - pred) / scale))


def smape(y: Any, pred: Any) -> float:
    import numpy as np

    y, pred = np.asarray(y, dtype=float), np.asarray(pred, dtype=float)
    denominator = np.abs(y) + np.abs(pred)
    ratio = np.divide(
        2 * np.abs(pred - y), denominator, out=np.zeros_like(y), where=denominator > 0
    )
    return float(np.mean(ratio))


def forecast_metrics(model: Any, X: Any, y: Any, pred: Any) -> dict[str, float | None]:
    """MASE and sMAPE of a forecaster's predictions; nothing for other models."""
    if forecaster_of(model) is None:
        return {}
    return {"mase": _rounded(mase(model, X, y, pred)), "smape": _rounded(smape(y, pred))}


def _rounded(value: float) -> float | None:
    """As `metrics.rnd` rounds every reported metric (None when undefined)."""
    import math

    return round(value, 6) if math.isfinite(value) else None


def neg_mase(estimator: Any, X: Any, y: Any) -> float:
    return -mase(estimator, X, y, estimator.predict(X))


def neg_smape(estimator: Any, X: Any, y: Any) -> float:
    return -smape(y, estimator.predict(X))
