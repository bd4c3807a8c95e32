"""The vectorised bootstrap computes, for every resample at once, exactly what scikit-learn's own
metric gives on that resample's rows: each classification and regression metric the product
reports, on binary, multiclass, string-labelled, one-class and class-missing holdouts
(`bench/card_intervals.py` prints the speed against the loop it replaced)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sklearn import metrics as m

from mcp_server.ml.modeling import bootstrap, resample_metrics
from mcp_server.ml.modeling.holdout_stats import Scored, intervals

LABEL_KW: dict[str, Any] = {"zero_division": 0}


def _clf_reference(binary: bool, k: int) -> dict[str, Callable[..., float]]:
    """scikit-learn's functions as the metric table (`metrics_spec`) calls them."""
    task = {} if binary else {"average": "macro"}
    ovr = {} if binary else {"multi_class": "ovr", "labels": list(range(k))}
    return {
        "accuracy": lambda y, p, q: m.accuracy_score(y, p),
        "balanced_accuracy": lambda y, p, q: m.balanced_accuracy_score(y, p),
        "precision": lambda y, p, q: m.precision_score(y, p, **task, **LABEL_KW),
        "recall": lambda y, p, q: m.recall_score(y, p, **task, **LABEL_KW),
        "f1": lambda y, p, q: m.f1_score(y, p, **task, **LABEL_KW),
        **{
            f"{fn.__name__.split('_')[0]}_{avg}": (
                lambda y, p, q, fn=fn, avg=avg: fn(y, p, average=avg, **LABEL_KW)
            )
            for fn in (m.precision_score, m.recall_score, m.f1_score)
            for avg in ("macro", "weighted")
        },
        "roc_auc": lambda y, p, q: m.roc_auc_score(y, q[:, 1] if binary else q, **ovr),
        "log_loss": lambda y, p, q: m.log_loss(y, q, labels=list(range(k))),
    }


REGRESSION_REFERENCE: dict[str, Callable[[Any, Any], float]] = {
    "rmse": m.root_mean_squared_error,
    "mse": m.mean_squared_error,
    "mae": m.mean_absolute_error,
    "median_ae": m.median_absolute_error,
    "r2": m.r2_score,
    "mape": m.mean_absolute_percentage_error,
    "poisson_deviance": m.mean_poisson_deviance,
    "wape": lambda y, p: float(np.abs(y - p).sum() / np.abs(y).sum()),  # metrics.regression_metrics
}


def _sklearn_or_nan(fn: Callable[..., float], *args: Any) -> float:
    """scikit-learn's value, NaN where it raises or gives a non-finite number (undefined)."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = float(fn(*args))
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def _classified(seed: int, n: int, k: int, drop_true: int | None, drop_pred: int | None) -> Scored:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    pred = np.where(rng.random(n) < 0.6, y, rng.integers(0, k, n))
    if drop_true is not None:
        y[y == drop_true] = (drop_true + 1) % k
    if drop_pred is not None:
        pred[pred == drop_pred] = (drop_pred + 1) % k
    raw = np.round(rng.random((n, k)), 2) + 0.01  # ties, as real probabilities have
    return Scored(y, pred, raw / raw.sum(axis=1, keepdims=True), k, "binary" if k == 2 else "x")


def _assert_equal_per_resample(found: Any, expected: list[float], name: str) -> None:
    expected_array = np.asarray(expected)
    assert found.shape == expected_array.shape, name
    assert np.array_equal(np.isnan(found), np.isnan(expected_array)), name
    ok = ~np.isnan(expected_array)
    assert np.allclose(found[ok], expected_array[ok], rtol=0, atol=1e-9), name


CLASSIFIED = [
    (300, 2, None, None),
    (40, 2, None, 1),  # the model never predicts the positive class
    (12, 2, None, None),  # small: some resamples hold one class only (AUC undefined there)
    (25, 2, 1, None),  # one class in the whole holdout
    (300, 3, None, None),
    (60, 4, 2, None),  # a class absent from the truth
    (60, 4, None, 3),  # a class never predicted
    (9, 3, None, None),  # resamples that miss a class (one-vs-rest AUC undefined there)
]


@pytest.mark.parametrize(("n", "k", "drop_true", "drop_pred"), CLASSIFIED)
def test_every_classification_metric_equals_scikit_learn_on_each_resample(
    n: int, k: int, drop_true: int | None, drop_pred: int | None
):
    s = _classified(n + k, n, k, drop_true, drop_pred)
    rows = bootstrap.draws(n, seed=3, resamples=12)
    names = list(resample_metrics.CLASSIFICATION)
    found = resample_metrics.classification(names, s.y, s.pred, s.proba, k, rows)
    assert set(found) == set(names)
    for name, fn in _clf_reference(k == 2, k).items():
        expected = [_sklearn_or_nan(fn, s.y[r], s.pred[r], s.proba[r]) for r in rows]
        _assert_equal_per_resample(found[name], expected, name)


def test_string_labels_give_what_scikit_learn_gives_on_the_strings_themselves():
    rng = np.random.default_rng(5)
    words = np.array(["high", "low", "medium"])
    truth = words[rng.integers(0, 3, 80)]
    guess = np.where(rng.random(80) < 0.7, truth, words[rng.integers(0, 3, 80)])
    codes = {w: i for i, w in enumerate(words)}
    y, pred = np.array([codes[w] for w in truth]), np.array([codes[w] for w in guess])
    rows = bootstrap.draws(80, seed=1, resamples=15)
    names = ["accuracy", "balanced_accuracy", "f1_macro", "precision_weighted", "recall_weighted"]
    found = resample_metrics.classification(names, y, pred, None, 3, rows)
    for name in names:
        if name in ("accuracy", "balanced_accuracy"):
            fn = getattr(m, f"{name}_score")
            expected = [fn(truth[r], guess[r]) for r in rows]
        else:
            kind, average = name.split("_")
            fn = getattr(m, f"{kind}_score")
            expected = [fn(truth[r], guess[r], average=average, zero_division=0) for r in rows]
        _assert_equal_per_resample(found[name], expected, name)
    assert "roc_auc" not in found and "log_loss" not in found  # no probabilities: none


@pytest.mark.parametrize("shape", ["normal", "counts", "zeros", "constant", "tiny"])
def test_every_regression_metric_equals_scikit_learn_on_each_resample(shape: str):
    rng = np.random.default_rng(7)
    y = {
        "normal": rng.normal(size=200),
        "counts": rng.poisson(3, 200).astype(float),
        "zeros": np.r_[np.zeros(20), rng.random(180)],
        "constant": np.full(50, 2.0),
        "tiny": np.array([1.0, 1.0, 4.0]),  # resamples with a constant truth (R² 0 or 1)
    }[shape]
    pred = np.abs(y + rng.normal(scale=0.5, size=len(y))) + 0.01
    if shape == "tiny":
        pred[:2] = 1.0  # exact on the repeated value: R² of a constant truth predicted exactly
    rows = bootstrap.draws(len(y), seed=2, resamples=15)
    found = resample_metrics.regression(list(resample_metrics.REGRESSION), y, pred, rows)
    for name, fn in REGRESSION_REFERENCE.items():
        expected = [_sklearn_or_nan(fn, y[r], pred[r]) for r in rows]
        _assert_equal_per_resample(found[name], expected, name)


def test_a_negative_prediction_leaves_the_poisson_deviance_undefined_on_every_resample():
    y, pred = np.array([1.0, 2.0, 0.0, 3.0]), np.array([1.0, -0.5, 0.2, 2.0])
    found = resample_metrics.regression(["poisson_deviance"], y, pred, bootstrap.draws(4))
    assert np.isnan(found["poisson_deviance"]).all()


def test_the_intervals_are_the_percentiles_of_scikit_learn_over_the_same_resamples():
    s = _classified(11, 60, 2, None, None)
    found = intervals(["roc_auc", "f1"], s)
    rows = bootstrap.draws(60, seed=0)
    values = [_sklearn_or_nan(m.roc_auc_score, s.y[r], s.proba[r, 1]) for r in rows]
    low, high = np.percentile([v for v in values if not math.isnan(v)], [2.5, 97.5])
    assert (found["roc_auc"].low, found["roc_auc"].high) == pytest.approx((low, high), abs=1e-9)
    assert found["f1"].low < found["f1"].high


def test_a_metric_undefined_on_every_resample_gets_no_interval_and_a_large_holdout_none():
    y = np.zeros(20, dtype=int)  # one class: ROC-AUC is undefined on every resample
    s = Scored(
        y, np.r_[np.zeros(15), np.ones(5)].astype(int), np.tile([0.6, 0.4], (20, 1)), 2, "binary"
    )
    found = intervals(["roc_auc", "accuracy", "log_loss"], s)
    assert set(found) == {"accuracy", "log_loss"}
    assert found["accuracy"].low < 0.75 < found["accuracy"].high
    big = Scored(np.arange(1000) % 2, np.zeros(1000, dtype=int), None, 2, "binary")
    assert intervals(["accuracy"], big) == {}
    assert set(intervals(["accuracy"], Scored(big.y[:999], big.pred[:999], None, 2, "binary")))


def test_codes_outside_the_classes_fall_back_to_one_resample_at_a_time():
    s = Scored(np.array([0, 1, 1, 0, 1]), np.array([0, 1, 2, 0, 1]), None, 2, "binary")
    seen: list[str] = []

    def fallback(name: str, rows: Any) -> float | None:
        seen.append(name)
        return float(np.mean(s.y[rows] == s.pred[rows]))

    values = bootstrap.metric_values(["accuracy"], s, fallback)
    rows = bootstrap.draws(5)
    assert np.allclose(values["accuracy"], [np.mean(s.y[r] == s.pred[r]) for r in rows])
    assert len(seen) == bootstrap.RESAMPLES


def test_a_paired_difference_resamples_the_same_rows_for_both_models():
    from mcp_server.ml.monitoring.scoring import paired_bootstrap

    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 200)
    better = np.where(rng.random(200) < 0.85, y, 1 - y)
    worse = np.where(rng.random(200) < 0.7, y, 1 - y)
    a, b = Scored(y, better, None, 2, "binary"), Scored(y, worse, None, 2, "binary")
    low, high = paired_bootstrap("accuracy", a, b)
    diffs = [np.mean(y[r] == better[r]) - np.mean(y[r] == worse[r]) for r in bootstrap.draws(200)]
    assert (low, high) == pytest.approx(tuple(np.percentile(diffs, [2.5, 97.5])), abs=1e-9)
    assert 0 < low < high
