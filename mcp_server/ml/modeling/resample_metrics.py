"""Every reported metric on many resamples at once: the bootstrap's arithmetic, in numpy.

A bootstrap draws a (B x n) matrix of row positions (`bootstrap.draws`). Instead of computing
a metric B times, each function here turns the matrix into per-resample row counts (B x n) once
and reads every metric from them: accuracy and log loss are weighted means of per-row values,
the label metrics come from B confusion matrices (one `bincount` over resample * k² + cell),
ROC-AUC from per-resample positive and negative counts at each distinct score (the Mann-Whitney
statistic, ties counted half). Regression metrics gather the resampled values (B x n), which
keeps R² exactly as scikit-learn sums it.

Each metric equals scikit-learn's function (as the metric table, `metrics_spec`, calls it, or
as `metrics.regression_metrics` defines WAPE) on the same rows; NaN marks a resample where it is
undefined (scikit-learn raises, or the product reports None): ROC-AUC without both classes, or
one-vs-rest without every class. `tests/modeling/test_resample_metrics.py` holds each to
scikit-learn. A name not in `CLASSIFICATION` / `REGRESSION` has no numpy version here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_LABEL = {
    "precision": ("precision", "binary"),
    "recall": ("recall", "binary"),
    "f1": ("f1", "binary"),
    "precision_macro": ("precision", "macro"),
    "recall_macro": ("recall", "macro"),
    "f1_macro": ("f1", "macro"),
    "precision_weighted": ("precision", "weighted"),
    "recall_weighted": ("recall", "weighted"),
    "f1_weighted": ("f1", "weighted"),
}
CLASSIFICATION = ("accuracy", "balanced_accuracy", *_LABEL, "roc_auc", "log_loss")
REGRESSION = ("rmse", "mse", "mae", "median_ae", "r2", "mape", "wape", "poisson_deviance")


def row_counts(draws: Any, n: int) -> Any:
    """How many times each row appears in each resample: (B x n) from the (B x n) positions."""
    b = draws.shape[0]
    flat = (draws + n * np.arange(b)[:, None]).ravel()
    return np.bincount(flat, minlength=b * n).reshape(b, n).astype(float)


def classification(
    names: list[str], y: Any, pred: Any, proba: Any | None, k: int, draws: Any
) -> dict[str, Any]:
    """{name: (B,) values} for each of `names` this module knows (codes 0..k-1; `proba` one
    column per code, or None: then no ROC-AUC or log loss)."""
    y, pred = np.asarray(y, dtype=np.int64), np.asarray(pred, dtype=np.int64)
    counts = row_counts(draws, len(y))
    n = counts.sum(axis=1)
    out: dict[str, Any] = {}
    if "accuracy" in names:
        out["accuracy"] = counts @ (y == pred).astype(float) / n
    wanted = [m for m in names if m in _LABEL or m == "balanced_accuracy"]
    if wanted:
        b, cell = counts.shape[0], y * k + pred
        place = (cell + k * k * np.arange(b)[:, None]).ravel()
        cm = np.bincount(place, weights=counts.ravel(), minlength=b * k * k).reshape(b, k, k)
        out.update({m: _from_confusion(m, cm, k == 2) for m in wanted})
    if proba is None:
        return out
    proba = np.asarray(proba, dtype=float)
    if "log_loss" in names:
        eps = np.finfo(proba.dtype).eps
        loss = -np.log(np.clip(proba, eps, 1 - eps)[np.arange(len(y)), y])
        out["log_loss"] = counts @ loss / n
    if "roc_auc" in names:
        out["roc_auc"] = _roc_auc(y, proba, k, counts)
    return out


def _from_confusion(name: str, cm: Any, binary: bool) -> Any:
    """One label metric per resample from B confusion matrices (true rows, predicted columns),
    with scikit-learn's labels: the classes present in the truth or the predictions; zero
    division gives 0."""
    tp = np.diagonal(cm, axis1=1, axis2=2)
    support, predicted = cm.sum(axis=2), cm.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if name == "balanced_accuracy":
            seen = support > 0
            return np.sum(np.where(seen, tp / support, 0.0), axis=1) / seen.sum(axis=1)
        kind, average = _LABEL[name]
        per_class = {
            "precision": np.where(predicted > 0, tp / predicted, 0.0),
            "recall": np.where(support > 0, tp / support, 0.0),
            "f1": np.where(support + predicted > 0, 2 * tp / (support + predicted), 0.0),
        }[kind]
        if average == "binary" and binary:
            return per_class[:, 1]
        if average == "weighted":
            total = support.sum(axis=1)
            return np.where(total > 0, np.sum(per_class * support, axis=1) / total, 0.0)
        present = (support > 0) | (predicted > 0)
        return np.sum(np.where(present, per_class, 0.0), axis=1) / present.sum(axis=1)


def _roc_auc(y: Any, proba: Any, k: int, counts: Any) -> Any:
    """Binary: AUC of the positive class' column; multiclass: one-vs-rest, macro-averaged, NaN on
    a resample that misses a class (as `metrics._roc_auc` reports None then)."""
    if k == 2:
        return auc(y == 1, proba[:, 1], counts)
    per_class = np.stack([auc(y == c, proba[:, c], counts) for c in range(k)])
    return per_class.mean(axis=0)  # NaN where any class is missing


def auc(positive: Any, score: Any, counts: Any) -> Any:
    """Mann-Whitney U / (n_pos * n_neg) per resample, ties counted half (what roc_auc_score
    computes): positives and negatives are counted at each distinct score, then each positive
    beats the negatives at lower scores. NaN where a resample lacks either class."""
    order = np.argsort(np.asarray(score, dtype=float), kind="stable")
    ranked = np.asarray(score, dtype=float)[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])  # each distinct score
    hits = counts[:, order]
    pos = np.add.reduceat(hits * positive[order], starts, axis=1)
    neg = np.add.reduceat(hits, starts, axis=1) - pos
    below = np.cumsum(neg, axis=1) - neg
    n_pos, n_neg = pos.sum(axis=1), neg.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        found = np.sum(pos * (below + neg / 2), axis=1) / (n_pos * n_neg)
    return np.where((n_pos > 0) & (n_neg > 0), found, np.nan)


def regression(names: list[str], y: Any, pred: Any, draws: Any) -> dict[str, Any]:
    """{name: (B,) values} for each of `names` this module knows, on true values `y`."""
    y, pred = np.asarray(y, dtype=float), np.asarray(pred, dtype=float)
    truth, err = y[draws], (pred - y)[draws]
    out: dict[str, Any] = {}
    squared = np.mean(err**2, axis=1)
    simple = {
        "mse": lambda: squared,
        "rmse": lambda: np.sqrt(squared),
        "mae": lambda: np.mean(np.abs(err), axis=1),
        "median_ae": lambda: np.median(np.abs(err), axis=1),
        "mape": lambda: np.mean(np.abs(err) / np.maximum(np.abs(truth), np.finfo(float).eps), 1),
        "r2": lambda: _r2(truth, err),
        "wape": lambda: _wape(truth, err),
        "poisson_deviance": lambda: _poisson(y, pred, draws),
    }
    for name in names:
        if name in simple:
            out[name] = simple[name]()
    return out


def _r2(truth: Any, err: Any) -> Any:
    """scikit-learn's R² with force_finite: 1 for a constant truth predicted exactly, else 0."""
    spread = np.sum((truth - truth.mean(axis=1, keepdims=True)) ** 2, axis=1)
    residual = np.sum(err**2, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        found = 1 - residual / spread
    return np.where(spread > 0, found, np.where(residual > 0, 0.0, 1.0))


def _wape(truth: Any, err: Any) -> Any:
    total = np.abs(truth).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, np.abs(err).sum(axis=1) / total, np.nan)


def _poisson(y: Any, pred: Any, draws: Any) -> Any:
    """Mean Poisson deviance; NaN everywhere when a true value is negative or a prediction is not
    positive (undefined: the product reports none)."""
    from scipy.special import xlogy

    if np.any(y < 0) or np.any(pred <= 0):
        return np.full(draws.shape[0], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        deviance = 2 * (xlogy(y, y / pred) - y + pred)
    return np.mean(deviance[draws], axis=1)
