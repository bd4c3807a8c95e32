"""A fitted model on its holdout: predictions and probabilities, the metrics, the one-row latency,
and what a reviewer reads beside the score (how sure it is, what a baseline scores, the
threshold). Used in the job process by training, evaluation and the cluster fit.
"""

from __future__ import annotations

import time
from typing import Any


def predict_both(model: Any, X: Any, task: str) -> tuple[Any, Any]:
    """Predictions and (for classifiers that have it) class probabilities."""
    pred = model.predict(X)
    proba = None
    if task != "regression" and hasattr(model, "predict_proba"):
        try:
            proba = model.predict_proba(X)
        except (AttributeError, NotImplementedError):
            proba = None
    return pred, proba


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
    """Median wall time of a one-row prediction (what a serving endpoint pays per request)."""
    import statistics

    row = X.head(1)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        model.predict(row)
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 3)


def holdout_evidence(
    schema: Any, y: Any, fitted: Any, scored: tuple[Any, Any, dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """ml_train's: the primary metric's 95 % bootstrap interval on a small holdout (ml_evaluate
    gives one for every metric; 1,000 resamples of each would slow every fit), the baseline's
    metrics and the threshold (`holdout_stats.evidence`), and the training target's prior the
    run records for later evaluations' baselines. Nothing for forecasts: MASE already measures
    them against the seasonal naive."""
    import numpy as np

    from mcp_server.ml.modeling.holdout_stats import Scored, evidence, prior_of
    from mcp_server.ml.modeling.metrics import PRIMARY
    from mcp_server.ml.modeling.metrics_spec import valid

    if schema.roles:
        return {}, {}
    pred, proba, metrics = scored
    n_classes = len(schema.classes)
    rows = Scored(np.asarray(fitted.y_test), np.asarray(pred), proba, n_classes, schema.task)
    prior = prior_of(np.delete(np.asarray(y), fitted.test_idx), schema.task, n_classes)
    names = [name for name in metrics if name in valid(schema.task)]
    labels = [str(c) for c in schema.classes]
    return evidence(rows, prior, names, labels, [PRIMARY[schema.task]]), prior


def every_metric_evidence(
    schema: Any, scored: tuple[Any, Any, Any], metrics: dict[str, Any], prior: dict[str, Any]
) -> dict[str, Any]:
    """ml_evaluate's: every metric's bootstrap interval (under 1,000 rows), the baseline (from the
    run's recorded training prior) and the threshold; nothing for a forecast."""
    import numpy as np

    from mcp_server.ml.modeling.holdout_stats import Scored, evidence
    from mcp_server.ml.modeling.metrics_spec import valid

    if schema.roles:
        return {}
    y, pred, proba = scored
    rows = Scored(np.asarray(y), np.asarray(pred), proba, len(schema.classes), schema.task)
    names = [name for name in metrics if name in valid(schema.task)]
    return evidence(rows, prior, names, [str(c) for c in schema.classes])
