"""Batch scoring throughput: `ml_batch_score` in the job process vs on a Dask cluster.

Trains one model (hist_gradient_boosting, 10 numeric features) with `ml_train` in a temporary
workspace, writes a generated dataset of `--rows` rows as `--parts` Parquet files, then scores it
three times through the real server (in-process MCP client): without a cluster (the job process
scores the partitions one after the other), with `cluster="local-cluster"` (the job starts a
LocalCluster of one single-threaded worker process per core: its start-up counts), and on a
running cluster of two single-threaded worker processes (`tcp://...`, started by this script
beforehand, as an operator's cluster would be). Prints rows/s of each (the tool's own figure:
scoring time from opening the engine) and the call's wall time.
Run: `.venv/bin/python bench/batch_score.py [--rows 3000000] [--parts 30]`
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

from tests.support import inprocess_client, structured

FEATURES = 10


def _table(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        rng.normal(size=(rows, FEATURES)), columns=[f"x{i}" for i in range(FEATURES)]
    )
    signal = frame["x0"] * frame["x1"] + np.sin(frame["x2"] * 2) + 0.5 * frame["x3"]
    frame["y"] = (signal + rng.normal(scale=0.8, size=rows) > 0).astype(int)
    return frame


def _dataset(folder: Path, rows: int, parts: int) -> None:
    folder.mkdir(parents=True)
    size = -(-rows // parts)
    for i in range(parts):
        _table(min(size, rows - i * size), seed=100 + i).drop(columns=["y"]).to_parquet(
            folder / f"part-{i:04d}.parquet"
        )


async def _run(project: Path, rows: int, parts: int, address: str) -> None:
    _table(50_000, seed=1).to_csv(project / "train.csv", index=False)
    _dataset(project / "data/big", rows, parts)
    async with inprocess_client(project) as client:
        run = structured(
            await client.call_tool(
                "ml_train",
                {"data_path": "train.csv", "target": "y", "model": "hist_gradient_boosting"},
            )
        )
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
    for engine, result in results.items():
        print(
            f"{engine:>13}: {result['rows']:,} rows in {result['scored']} partitions "
            f"({result['ran_on']}) "
            f"(call {result['wall_s']:.1f} s)"
        )
    local = results["local"]["rows_per_s"]
    for engine in ("local-cluster", address):
        ratio = results[engine]["rows_per_s"] / local
        print(f"{engine} / local: {ratio:.2f}x on {len(os.sched_getaffinity(0))} cores")
    first = pd.read_parquet(project / "scores/0")
    same = all(first.equals(pd.read_parquet(project / f"scores/{i}")) for i in (1, 2))
    print(f"same scores: {same}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--parts", type=int, default=30)
    args = parser.parse_args()
    from distributed import LocalCluster

    with (
        tempfile.TemporaryDirectory() as tmp,
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
        ) as cluster,
    ):
        anyio.run(_run, Path(tmp), args.rows, args.parts, cluster.scheduler_address)


if __name__ == "__main__":
    main()
