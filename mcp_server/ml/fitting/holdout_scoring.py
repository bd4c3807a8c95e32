"""A fitted model on its holdout: predictions and probabilities, the metrics, the one-row latency,
and what a reviewer reads beside the score (how sure it is, what a baseline scores, the
threshold). Used in the job process by training, evaluation and the cluster fit.
"""

from __future__ import annotations

import time
from typing import Any


def predict_both(model: Any, X: Any, task: str) -> tuple[Any, Any]:
    """Predictions and (for classifiers that have it) class probabilities. A classifier whose
    `predict` is the argmax of its probabilities (`catalog.predicts_by_argmax`) is asked once:
    its labels are read off them."""
    import numpy as np

    from mcp_server.ml.modeling.catalog import predicts_by_argmax

    proba = None
    if task != "regression" and hasattr(model, "predict_proba"):
        try:
            proba = model.predict_proba(X)
        except (AttributeError, NotImplementedError):
            proba = None
    if proba is not None and predicts_by_argmax(model):
        return np.asarray(model.classes_).take(np.argmax(proba, axis=1)), proba
    return model.predict(X), proba


def score(
    task: str, y_true: Any, pred: Any, proba: Any, n_classes: int
) -> tuple[dict[str, Any], Any]:
    from mcp_server.ml.modeling.metrics import classification_metrics, confusion, regression_metrics

    if task == "regression":
        return regression_metrics(y_true, pred), None
    return classification_metrics(y_true, pred, proba, n_classes), confusion(
        y_true, pred, n_classes
    )


def one_row_latency_ms(model: Any, X: Any) -> float:
    """What a one-row prediction costs in ms (what a serving endpoint pays per request): the best
    of seven wall times, as `timeit` reports it. A machine busy with other work only ever adds a
    wait for a core, and a median of those waits failed SPECs' latency gates for the load of the
    moment; a model that itself waits (I/O, a lock) waits every time and is still counted. The
    generated test's `median_ms` uses the same rule."""
    row = X.head(1)
    times = []
    for _ in range(7):
        started = time.perf_counter()
        model.predict(row)
        times.append((time.perf_counter() - started) * 1000)
    return round(min(times), 3)


def training_prior(schema: Any, y: Any, test_idx: Any) -> dict[str, Any]:
    """The training rows' target prior (`holdout_stats.prior_of`): what the run records, so that
    a later evaluation's baseline comes from the training rows too. Nothing for forecasts."""
    import numpy as np

    from mcp_server.ml.modeling.holdout_stats import prior_of

    if schema.roles:
        return {}
    return prior_of(np.delete(np.asarray(y), test_idx), schema.task, len(schema.classes))


def holdout_evidence(
    schema: Any, scored: tuple[Any, Any, Any], metrics: dict[str, Any], prior: dict[str, Any]
) -> dict[str, Any]:
    """What a reviewer reads beside the holdout `metrics` of `scored` (y, predictions,
    probabilities): the 95 % bootstrap interval of every metric with a value, on a holdout under
    1,000 rows (`bootstrap`: all resamples at once), the baseline's metrics from the training
    `prior`, and the threshold (`holdout_stats.evidence`). Nothing for forecasts: MASE already
    measures them against the seasonal naive."""
    import numpy as np

    from mcp_server.ml.modeling.holdout_stats import Scored, evidence

    if schema.roles:
        return {}
    y, pred, proba = scored
    rows = Scored(np.asarray(y), np.asarray(pred), proba, len(schema.classes), schema.task)
    names = [name for name, value in metrics.items() if value is not None]
    return evidence(rows, prior, names, [str(c) for c in schema.classes])
