"""Many short series (issue 25's figure): 10,000 generated daily series of 200 points each, one
global `lgbm_forecast` model fitted on them all and a 28-step forecast of every series, timed,
with the peak resident memory against the table's own size. Goal: within 5 minutes on 2 cores
and within 3x the table's memory. Prints one line per figure, with the CPU time (user + system)
beside the wall time and the load average at the start: on a shared machine the wall time is the
CPU time stretched by the other processes' share of the cores (at a load of 10 on 2 cores a
single-threaded process gets about a fifth of one), so the CPU time is the figure to compare
between runs. `--threads` is LightGBM's: 1 by default, as the product's jobs run
(`MOAI_ML_THREADS`); with 2 on a loaded machine LightGBM's OpenMP threads wait for each other
(over 3 minutes of CPU, not 40 s).
Run: `.venv/bin/python bench/series_scale.py [--series N] [--points N] [--threads N]`
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np
import pandas as pd

from mcp_server.ml.modeling.estimators import make_estimator

HORIZON = 28


def table(series: int, points: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    steps = np.tile(np.arange(points), series)
    ids = np.repeat(np.arange(series), points)
    level = rng.uniform(10, 100, series)[ids]
    week = np.array([0.0, 1.0, 2.0, 3.0, 5.0, 9.0, 4.0])[steps % 7] * level / 20
    values = level + 0.02 * steps + week + rng.normal(0, 1, len(steps))
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(steps, unit="D")
    return pd.DataFrame({"date": dates, "item": ids.astype(str), "sales": values})


def _cpu() -> float:
    """This process's CPU time so far, user + system, every thread."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    frame = table(args.series, args.points)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = frame.memory_usage(deep=True).sum() / 2**20
    roles = {"time_column": "date", "series_id": "item", "horizon": HORIZON}
    model = make_estimator("lgbm_forecast", "regression", {**roles, "n_jobs": args.threads}, 0)
    started, cpu = time.perf_counter(), _cpu()
    model.fit(frame[["date", "item"]], frame["sales"])
    fitted = time.perf_counter() - started
    future = pd.DataFrame(
        {
            "date": np.tile(
                pd.date_range(frame["date"].max(), periods=HORIZON + 1)[1:], args.series
            ),
            "item": np.repeat(np.arange(args.series).astype(str), HORIZON),
        }
    )
    forecast = model.predict(future)
    total, cpu = time.perf_counter() - started, _cpu() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"series={args.series} points={args.points} rows={len(frame):,} table={size:.0f} MiB")
    print(f"fit={fitted:.1f}s fit+forecast={total:.1f}s wall (goal: 300 s), {cpu:.1f}s CPU")
    print(f"threads={args.threads}, load average at the start {load:.1f} on {os.cpu_count()} cores")
    grew = (peak - before) / size
    print(f"peak RSS {peak:.0f} MiB, {before:.0f} MiB before the fit: +{grew:.1f}x the table")
    print(f"(goal 3x); every forecast finite: {bool(np.isfinite(forecast).all())}")


if __name__ == "__main__":
    main()
