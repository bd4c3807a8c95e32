"""numpy versions of the metric table's metrics, for the bootstraps (a model card's intervals,
a promotion's paired difference) that compute a metric thousands of times: scikit-learn's input
validation costs about 10 ms a call, which made a model card take over a minute on 100 rows.

Each returns what scikit-learn's function in `metrics_spec` returns for the same codes (labels
as in scikit-learn: a macro average runs over the classes present in `y` or `pred`; zero
division gives 0), `None` where scikit-learn raises (the metric is undefined), or
`NotImplemented` for a metric with no numpy version here (the caller uses scikit-learn).
`tests/modeling/test_fast_metrics.py` holds every one to scikit-learn on random data.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_LABEL_METRICS = {
    "precision": ("precision", "task"),
    "recall": ("recall", "task"),
    "f1": ("f1", "task"),
    "precision_macro": ("precision", "macro"),
    "recall_macro": ("recall", "macro"),
    "f1_macro": ("f1", "macro"),
    "f1_weighted": ("f1", "weighted"),
}


def classification(name: str, y: Any, pred: Any, proba: Any, n_classes: int, binary: bool) -> Any:
    """A classification metric on codes `y` and `pred` (and `proba`, the class columns)."""
    y, pred = np.asarray(y, dtype=np.int64), np.asarray(pred, dtype=np.int64)
    if name == "accuracy":
        return float(np.mean(y == pred))
    if name in _LABEL_METRICS or name == "balanced_accuracy":
        if y.min(initial=0) < 0 or max(y.max(initial=0), pred.max(initial=0)) >= n_classes:
            return NotImplemented
        return _from_confusion(name, y, pred, n_classes, binary)
    if proba is None:
        return NotImplemented
    proba = np.asarray(proba, dtype=float)
    if name == "log_loss":
        eps = np.finfo(proba.dtype).eps
        chosen = np.clip(proba, eps, 1 - eps)[np.arange(len(y)), y]
        return float(-np.mean(np.log(chosen)))
    if name == "roc_auc":
        if binary:
            return binary_auc(y, proba[:, 1])
        scores = [binary_auc((y == c).astype(int), proba[:, c]) for c in range(n_classes)]
        found = [s for s in scores if s is not None]
        return None if len(found) < len(scores) else float(np.mean(found))
    return NotImplemented


def _from_confusion(name: str, y: Any, pred: Any, k: int, binary: bool) -> float:
    cm = np.bincount(y * k + pred, minlength=k * k).reshape(k, k)
    tp, support, predicted = np.diag(cm).astype(float), cm.sum(1), cm.sum(0)
    if name == "balanced_accuracy":
        seen = support > 0
        return float(np.mean(tp[seen] / support[seen]))
    kind, average = _LABEL_METRICS[name]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_class = {
            "precision": np.where(predicted > 0, tp / predicted, 0.0),
            "recall": np.where(support > 0, tp / support, 0.0),
            "f1": np.where(support + predicted > 0, 2 * tp / (support + predicted), 0.0),
        }[kind]
    if average == "task" and binary:
        return float(per_class[1])
    present = (support > 0) | (predicted > 0)
    if average == "weighted":
        total = support[present].sum()
        return float(np.sum(per_class[present] * support[present]) / total) if total else 0.0
    return float(np.mean(per_class[present]))


def regression(name: str, y: Any, pred: Any) -> Any:
    """A regression metric on true values `y` and predictions `pred`."""
    y, pred = np.asarray(y, dtype=float), np.asarray(pred, dtype=float)
    err = pred - y
    if name == "rmse":
        return float(np.sqrt(np.mean(err**2)))
    if name == "mse":
        return float(np.mean(err**2))
    if name == "mae":
        return float(np.mean(np.abs(err)))
    if name == "median_ae":
        return float(np.median(np.abs(err)))
    if name == "mape":
        return float(np.mean(np.abs(err) / np.maximum(np.abs(y), np.finfo(np.float64).eps)))
    if name == "r2":
        spread = np.sum((y - y.mean()) ** 2)
        return NotImplemented if spread == 0 else float(1 - np.sum(err**2) / spread)
    if name == "poisson_deviance":
        from scipy.special import xlogy

        if np.any(y < 0) or np.any(pred <= 0):
            return None
        return float(np.mean(2 * (xlogy(y, y / pred) - y + pred)))
    return NotImplemented


def binary_auc(y: Any, score: Any) -> float | None:
    """Mann-Whitney U / (n_pos * n_neg), ties counted half: what roc_auc_score computes."""
    from scipy.stats import rankdata

    positives = np.asarray(y) == 1
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(score)
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
