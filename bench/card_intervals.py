"""A model card's bootstrap intervals (1,000 resamples of every metric of the task) with the
numpy metrics against scikit-learn's own functions, side by side in one run.

    .venv/bin/python bench/card_intervals.py
"""

from __future__ import annotations

import time

import numpy as np

from mcp_server.ml.modeling import holdout_stats
from mcp_server.ml.modeling.holdout_stats import Scored
from mcp_server.ml.modeling.metrics_spec import valid


def _scored(task: str, n: int) -> Scored:
    rng = np.random.default_rng(0)
    if task == "regression":
        y = rng.poisson(3, n).astype(float)
        return Scored(y=y, pred=y + 0.5, proba=None, n_classes=0, task=task)
    k = 2 if task == "binary" else 3
    y = rng.integers(0, k, n)
    proba = rng.dirichlet(np.ones(k), n)
    return Scored(y=y, pred=proba.argmax(1), proba=proba, n_classes=k, task=task)


def _timed(scored: Scored) -> float:
    started = time.perf_counter()
    holdout_stats.intervals(list(valid(scored.task)), scored)
    return time.perf_counter() - started


def main() -> None:
    print("task        rows  numpy_s  sklearn_s  ratio")
    for task in ("binary", "multiclass", "regression"):
        scored = _scored(task, 114)
        fast = _timed(scored)
        original = holdout_stats._fast
        holdout_stats._fast = lambda name, s, pick: NotImplemented  # scikit-learn for every metric
        try:
            slow = _timed(scored)
        finally:
            holdout_stats._fast = original
        print(f"{task:<10} {len(scored.y):>5} {fast:>8.2f} {slow:>10.2f} {slow / fast:>6.0f}x")


if __name__ == "__main__":
    main()
