"""Every numpy metric the bootstraps use equals the metric table's scikit-learn expression: on
random codes, on resamples that miss a class in the truth or in the predictions, on tiny and on
tied data (`bench/card_intervals.py` prints the speed-up)."""

from __future__ import annotations

import numpy as np
import pytest

from mcp_server.ml.modeling.holdout_stats import Scored, metric_value, sklearn_value
from mcp_server.ml.modeling.metrics_spec import get_metric
from mcp_server.ml.modeling.metrics_spec import valid as every


def valid(task: str) -> list[str]:
    """The task's metrics that score rows alone (forecast metrics need a series' history)."""
    return [name for name in every(task) if not get_metric(name).forecast]


def _classified(seed: int, n: int, k: int, drop_true: int | None, drop_pred: int | None) -> Scored:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    pred = np.where(rng.random(n) < 0.6, y, rng.integers(0, k, n))
    if drop_true is not None:
        y[y == drop_true] = (drop_true + 1) % k
    if drop_pred is not None:
        pred[pred == drop_pred] = (drop_pred + 1) % k
    raw = np.round(rng.random((n, k)), 2) + 0.01  # ties, as real probabilities have
    proba = raw / raw.sum(axis=1, keepdims=True)
    return Scored(
        y=y, pred=pred, proba=proba, n_classes=k, task="binary" if k == 2 else "multiclass"
    )


CASES = [
    (seed, n, k, drop_true, drop_pred)
    for seed, (n, k, drop_true, drop_pred) in enumerate(
        [
            (300, 2, None, None),
            (40, 2, None, 1),  # the model never predicts the positive class
            (25, 2, 1, None),  # a resample without a positive row
            (300, 3, None, None),
            (60, 4, 2, None),  # a class absent from the truth
            (60, 4, None, 3),  # a class never predicted
            (5, 3, None, None),
        ]
    )
]


@pytest.mark.parametrize(("seed", "n", "k", "drop_true", "drop_pred"), CASES)
def test_every_classification_metric_equals_scikit_learn(
    seed: int, n: int, k: int, drop_true: int | None, drop_pred: int | None
):
    scored = _classified(seed, n, k, drop_true, drop_pred)
    for name in valid(scored.task):
        expected = sklearn_value(name, scored)
        got = metric_value(name, scored)
        if expected is None:
            assert got is None, name
        else:
            assert got == pytest.approx(expected, abs=1e-9), name


@pytest.mark.parametrize("shape", ["normal", "counts", "zeros", "constant"])
def test_every_regression_metric_equals_scikit_learn(shape: str):
    rng = np.random.default_rng(7)
    y = {
        "normal": rng.normal(size=200),
        "counts": rng.poisson(3, 200).astype(float),
        "zeros": np.r_[np.zeros(20), rng.random(180)],
        "constant": np.full(50, 2.0),
    }[shape]
    pred = np.abs(y + rng.normal(scale=0.5, size=len(y))) + 0.01
    scored = Scored(y=y, pred=pred, proba=None, n_classes=0, task="regression")
    for name in valid("regression"):
        expected = sklearn_value(name, scored)
        got = metric_value(name, scored)
        if expected is None:
            assert got is None, name
        else:
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-9), name


def test_the_bootstrap_intervals_of_every_metric_hold_the_point_estimate():
    from mcp_server.ml.modeling.holdout_stats import intervals

    scored = _classified(1, 120, 3, None, None)
    found = intervals(list(valid("multiclass")), scored)
    assert set(found) == set(valid("multiclass"))
    for name, interval in found.items():
        value = metric_value(name, scored)
        assert value is not None and interval.low <= value <= interval.high, name
