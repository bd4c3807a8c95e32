"""Metrics, computed with scikit-learn's own functions so every number can be checked against them.

Classification works on label codes 0..k-1 (see `preprocess.encode_target`); `proba` has one
column per code. Values are rounded to `DIGITS` decimals for compact results.
"""

from __future__ import annotations

import math
from typing import Any

from mcp_server.ml.data.columns import near_zero
from mcp_server.ml.modeling.metrics_spec import FORECAST_METRICS, METRICS, get_metric

DIGITS = 6
# Primary metric per task. Direction and CV scorer of each metric come from the one metric table,
# `metrics_spec.METRICS`, which SPEC validation and the generated tests use too.
PRIMARY = {"binary": "roc_auc", "multiclass": "f1_macro", "regression": "rmse"}
FORECAST_PRIMARY = "mase"  # a forecast's (MASE against the seasonal naive)
CLASSIFICATION_METRICS = (
    "accuracy",
    "balanced_accuracy",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "precision_weighted",
    "recall_weighted",
    "f1_weighted",
    "roc_auc",
    "log_loss",
)
BINARY_EXTRA = ("precision", "recall", "f1")
REGRESSION_METRICS = ("rmse", "mae", "r2", "mape")


def rnd(value: Any) -> float | None:
    """Round for display; NaN/inf (a metric that is undefined here) becomes None."""
    number = float(value)
    return None if not math.isfinite(number) else round(number, DIGITS)


def higher_is_better(metric: str) -> bool:
    return get_metric(metric).greater_is_better


def metric_names(task: str, forecast: bool = False) -> list[str]:
    """The metrics reported for a task; a forecast's (`forecast=True`) add MASE and sMAPE."""
    if task == "regression":
        return list(REGRESSION_METRICS) + (list(FORECAST_METRICS) if forecast else [])
    names = list(CLASSIFICATION_METRICS)
    return names + list(BINARY_EXTRA) if task == "binary" else names


def check_metric(task: str, metric: str | None, forecast: bool = False) -> str:
    """The metric asked for (the task's primary when None), or a refusal listing the valid ones;
    a forecast (`forecast=True`) ranks by MASE by default."""
    from mcp_server.core.errors import MoaiMlError

    if metric is None:
        return FORECAST_PRIMARY if forecast and task == "regression" else PRIMARY[task]
    names = metric_names(task, forecast)
    if metric not in names:
        what = "a forecast" if forecast else f"a {task} task"
        raise MoaiMlError(
            f"metric {metric!r} does not apply to {what}; pass metric= one of {names}"
        )
    return metric


def classification_metrics(
    y_true: Any, y_pred: Any, proba: Any | None, n_classes: int
) -> dict[str, float | None]:
    from sklearn import metrics as m

    labels = list(range(n_classes))
    out: dict[str, float | None] = {
        "accuracy": rnd(m.accuracy_score(y_true, y_pred)),
        "balanced_accuracy": rnd(m.balanced_accuracy_score(y_true, y_pred)),
    }
    for average in ("macro", "weighted"):
        kwargs: dict[str, Any] = {"labels": labels, "average": average, "zero_division": 0}
        out[f"precision_{average}"] = rnd(m.precision_score(y_true, y_pred, **kwargs))
        out[f"recall_{average}"] = rnd(m.recall_score(y_true, y_pred, **kwargs))
        out[f"f1_{average}"] = rnd(m.f1_score(y_true, y_pred, **kwargs))
    if n_classes == 2:
        out["precision"] = rnd(m.precision_score(y_true, y_pred, zero_division=0))
        out["recall"] = rnd(m.recall_score(y_true, y_pred, zero_division=0))
        out["f1"] = rnd(m.f1_score(y_true, y_pred, zero_division=0))
    out["roc_auc"] = _roc_auc(y_true, proba, n_classes)
    out["log_loss"] = rnd(m.log_loss(y_true, proba, labels=labels)) if proba is not None else None
    return out


def _roc_auc(y_true: Any, proba: Any | None, n_classes: int) -> float | None:
    """Binary: AUC of the positive class; multiclass: one-vs-rest, macro-averaged."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    if proba is None or len(np.unique(y_true)) < 2:
        return None
    if n_classes == 2:
        return rnd(roc_auc_score(y_true, proba[:, 1]))
    if len(np.unique(y_true)) < n_classes:
        return None  # one-vs-rest needs every class present in y_true
    return rnd(
        roc_auc_score(
            y_true, proba, multi_class="ovr", average="macro", labels=list(range(n_classes))
        )
    )


def regression_metrics(y_true: Any, y_pred: Any) -> dict[str, float | None]:
    """RMSE, MAE, R², MAPE (None when a true value is zero or near it: see `wape`), WAPE
    (sum |error| / sum |true|, defined with zeros), and the Poisson deviance where it is defined
    (true values >= 0, predictions > 0: a count model's own loss)."""
    import numpy as np
    from sklearn import metrics as m

    y, pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    total = float(np.abs(y).sum())
    out = {
        "rmse": rnd(m.root_mean_squared_error(y, pred)),
        "mae": rnd(m.mean_absolute_error(y, pred)),
        "r2": rnd(m.r2_score(y, pred)),
        "mape": None if near_zero(y) else rnd(m.mean_absolute_percentage_error(y, pred)),
        "wape": rnd(float(np.abs(y - pred).sum()) / total) if total > 0 else None,
    }
    if y.size and (y >= 0).all() and (pred > 0).all():
        out["poisson_deviance"] = rnd(m.mean_poisson_deviance(y, pred))
    return out


def confusion(y_true: Any, y_pred: Any, n_classes: int) -> list[list[int]]:
    from sklearn.metrics import confusion_matrix

    return [
        [int(v) for v in row]
        for row in confusion_matrix(y_true, y_pred, labels=list(range(n_classes)))
    ]


def scorers_for(task: str, forecast: bool = False) -> dict[str, Any]:
    """CV scorers: every metric of the task that has a scikit-learn scorer (a forecast's own
    `forecast.scoring` functions for MASE and sMAPE)."""
    from mcp_server.ml.modeling.forecast import scoring

    return {
        name: getattr(scoring, METRICS[name].scorer(task))
        if name in FORECAST_METRICS
        else METRICS[name].scorer(task)
        for name in metric_names(task, forecast)
        if name in METRICS
    }


def mean_std(values: Any) -> dict[str, float | None]:
    """{mean, std} of fold scores, NaN folds (a metric undefined there) left out; both None when
    no fold has a value. The one summary of a CV's folds, local (`cv_summary`) or on a cluster."""
    import numpy as np

    found = np.asarray(values, dtype=float)
    if not np.isfinite(found).any():
        return {"mean": None, "std": None}
    return {"mean": rnd(np.nanmean(found)), "std": rnd(np.nanstd(found))}


def cv_summary(scores: dict[str, Any], names: list[str]) -> dict[str, dict[str, float | None]]:
    """`cross_validate` output -> {metric: {mean, std}} with errors flipped back to positive."""
    import numpy as np

    out = {}
    for name in names:
        values = np.asarray(scores[f"test_{name}"], dtype=float)
        if not higher_is_better(name):  # scikit-learn negates error scorers
            values = -values
        out[name] = mean_std(values)
    return out
