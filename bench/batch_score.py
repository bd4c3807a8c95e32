"""Batch scoring throughput: plain pandas in one process, `ml_batch_score` in the job process
and on a Dask cluster, side by side in one run.

Trains one model (hist_gradient_boosting on `--features` numeric features) with `ml_train` in a
temporary workspace, writes a generated dataset of `--rows` rows as `--parts` Parquet files (one
partition generated at a time), then scores it: first the issue's baseline, one process scoring
with pandas and the same model (read each partition with `pandas.read_parquet`, `predict_proba`,
write with `to_parquet`), with the model's default threads (OpenMP: every core) and with one
thread (`threadpoolctl`: what each single-threaded Dask worker gets); then three times through
the real server (in-process MCP client): without a cluster (the job process scores the
partitions one after the other), with `cluster="local-cluster"` (the job starts a LocalCluster of
one single-threaded worker process per core: its start-up counts), and on a running cluster of
two single-threaded worker processes (`tcp://...`, started by this script beforehand, as an
operator's cluster would be). Prints rows/s of each (the tool's own figure: scoring time from
opening the engine) and the call's wall time, each engine's ratio to both pandas baselines (the
issue's bar: the 2-worker cluster at 1.7x one pandas process), and the load average.
Run: `.venv/bin/python bench/batch_score.py [--rows 3000000] [--features 10] [--parts 30]`
(the issue's size: `--rows 10000000 --features 50 --parts 100`)
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import numpy as np
import pandas as pd

from tests.cluster_support import local_cluster
from tests.support import inprocess_client, structured


def _table(rows: int, features: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        rng.normal(size=(rows, features)), columns=[f"x{i}" for i in range(features)]
    )
    signal = frame["x0"] * frame["x1"] + np.sin(frame["x2"] * 2) + 0.5 * frame["x3"]
    frame["y"] = (signal + rng.normal(scale=0.8, size=rows) > 0).astype(int)
    return frame


def _dataset(folder: Path, rows: int, features: int, parts: int) -> None:
    folder.mkdir(parents=True)
    size = -(-rows // parts)
    for i in range(parts):
        _table(min(size, rows - i * size), features, seed=100 + i).drop(columns=["y"]).to_parquet(
            folder / f"part-{i:04d}.parquet"
        )


def _pandas(model: Any, folder: Path, output: Path, threads: int | None) -> float:
    """The issue's baseline: each partition read with pandas, scored, written; its rows/s."""
    from threadpoolctl import threadpool_limits

    output.mkdir(parents=True)
    started, rows = time.perf_counter(), 0
    with threadpool_limits(limits=threads):
        for path in sorted(folder.glob("*.parquet")):
            frame = pd.read_parquet(path)
            proba = model.predict_proba(frame)
            out = pd.DataFrame({"prediction": model.classes_.take(proba.argmax(axis=1))})
            for i, label in enumerate(model.classes_):
                out[f"proba_{label}"] = proba[:, i]
            out.to_parquet(output / path.name, index=False)
            rows += len(frame)
    return rows / (time.perf_counter() - started)


def _baselines(project: Path, run_id: str) -> dict[str, float]:
    from tests.cluster.test_train_cluster import run_model

    model, _schema = run_model(project, run_id)
    folder = project / "data/big"
    return {
        "pandas, default threads": _pandas(model, folder, project / "pandas/all", None),
        "pandas, 1 thread": _pandas(model, folder, project / "pandas/one", 1),
    }


async def _run(project: Path, args: argparse.Namespace, address: str) -> None:
    _table(50_000, args.features, seed=1).to_csv(project / "train.csv", index=False)
    _dataset(project / "data/big", args.rows, args.features, args.parts)
    async with inprocess_client(project) as client:
        run = structured(
            await client.call_tool(
                "ml_train",
                {"data_path": "train.csv", "target": "y", "model": "hist_gradient_boosting"},
            )
        )
        baselines = _baselines(project, run["run_id"])
        results: dict[str, dict[str, Any]] = {}
        for engine in ("local", "local-cluster", address):
            started = time.monotonic()
            result = structured(
                await client.call_tool(
                    "ml_batch_score",
                    {
                        "model": run["run_id"],
                        "data_path": "data/big",
                        "output": f"scores/{len(results)}",
                        "cluster": engine,
                    },
                )
            )
            result["wall_s"] = time.monotonic() - started
            result["rows_per_s"] = float(
                result["ran_on"].rsplit("; ", 1)[1].split()[0].replace(",", "")
            )
            results[engine] = result
    _report(project, baselines, results, address)


def _report(
    project: Path, baselines: dict[str, float], results: dict[str, Any], address: str
) -> None:
    for name, rate in baselines.items():
        print(f"{name:>23}: {rate:,.0f} rows/s")
    for engine, result in results.items():
        print(
            f"{engine:>23}: {result['rows']:,} rows in {result['scored']} partitions "
            f"({result['ran_on']}) (call {result['wall_s']:.1f} s)"
        )
    cores = len(os.sched_getaffinity(0))
    for engine in ("local", "local-cluster", address):
        rate = results[engine]["rows_per_s"]
        ratios = ", ".join(f"{rate / base:.2f}x {name}" for name, base in baselines.items())
        print(f"{engine}: {ratios} (bar for 2 workers: 1.7x one pandas process)")
    print(f"on {cores} cores, load average {os.getloadavg()[0]:.1f} at the end")
    names = sorted(p.name for p in (project / "scores/0").glob("*.parquet"))
    same = all(
        pd.read_parquet(project / "scores/0" / name).equals(
            pd.read_parquet(project / f"scores/{i}" / name)
        )
        for name in names
        for i in (1, 2)
    )
    print(f"same scores on every engine: {same}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--parts", type=int, default=30)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        local_cluster("auto") as cluster,
    ):
        print(f"load average at the start: {os.getloadavg()[0]:.1f}")
        anyio.run(_run, Path(tmp), args, cluster.scheduler_address)


if __name__ == "__main__":
    main()
