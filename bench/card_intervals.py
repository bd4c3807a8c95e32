"""Bootstrap intervals (1,000 resamples) of every metric a result reports: the loop they replaced
(one metric on one resample at a time, numpy per call: `fast_metrics`) against the vectorised
bootstrap (`modeling.bootstrap`: every resample at once), side by side in one run, at 300, 900
and 999 holdout rows (1,000 and more get no interval).

    .venv/bin/python bench/card_intervals.py [--rows 300 900 999] [--rounds 1]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from mcp_server.ml.modeling.holdout_stats import Scored, defined_value, intervals
from mcp_server.ml.modeling.metrics import metric_names

RESAMPLES = 1000


def _scored(task: str, n: int) -> Scored:
    rng = np.random.default_rng(0)
    if task == "regression":
        y = rng.poisson(3, n).astype(float) + 1.0
        return Scored(
            y=y, pred=y + rng.normal(0, 0.5, n).clip(-0.9), proba=None, n_classes=0, task=task
        )
    k = 2 if task == "binary" else 3
    y = rng.integers(0, k, n)
    proba = rng.dirichlet(np.ones(k), n)
    return Scored(y=y, pred=proba.argmax(1), proba=proba, n_classes=k, task=task)


def names(task: str) -> list[str]:
    """Every metric a result reports for the task (regression adds WAPE and Poisson deviance)."""
    found = metric_names(task)
    return [*found, "wape", "poisson_deviance"] if task == "regression" else found


def old_loop(names: list[str], scored: Scored, seed: int = 0) -> dict[str, tuple[float, float]]:
    """The bootstrap as it was: for each metric, 1,000 resamples one at a time."""
    n = len(scored.y)
    rng = np.random.default_rng(seed)
    draws = [rng.integers(0, n, n) for _ in range(RESAMPLES)]
    out = {}
    for name in names:
        values = [v for rows in draws if (v := defined_value(name, scored, rows)) is not None]
        if len(values) >= RESAMPLES // 2:
            low, high = np.percentile(values, [2.5, 97.5])
            out[name] = (float(low), float(high))
    return out


def _timed(fn, *args) -> tuple[float, dict]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    found = fn(*args)
    return time.perf_counter() - started, found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[300, 900, 999])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    print(f"load {os.getloadavg()[0]:.1f}; {RESAMPLES} resamples; best of {args.rounds} round(s)")
    print("task        rows  metrics  old_loop_s  vectorised_s  speed-up  same_intervals")
    for task in ("binary", "multiclass", "regression"):
        for n in args.rows:
            scored, wanted = _scored(task, n), names(task)
            old = min(_timed(old_loop, wanted, scored) for _ in range(args.rounds))
            new = min(_timed(intervals, wanted, scored) for _ in range(args.rounds))
            same = old[1].keys() <= new[1].keys() and all(
                np.allclose(old[1][m], (new[1][m].low, new[1][m].high), atol=1e-9) for m in old[1]
            )
            print(
                f"{task:<10} {n:>5} {len(new[1]):>4}/{len(wanted):<3} {old[0]:>10.2f} "
                f"{new[0]:>13.3f} {old[0] / new[0]:>8.0f}x  {same} ({len(old[1])} in the old)"
            )


if __name__ == "__main__":
    main()
