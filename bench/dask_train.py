"""Training on a Dask cluster against one process: the issue's figure, scaled down.

Writes a generated dataset of `--rows` x `--features` numeric columns (a binary target from a
few of them, with noise) as `--parts` Parquet files, then trains LightGBM on it twice through the
real server (in-process MCP client): `ml_train` on the folder with `MOAI_ML_CLUSTER` naming a
2-worker cluster whose workers are limited to `--worker-memory` each (started by this script
beforehand, as an operator's is), and `ml_train` on one Parquet file holding the same rows, in
the job process. Prints each call's holdout AUC, fit time and wall time, and the rows held out
(the cluster's holdout is drawn by a hash of each row, the local one by a seeded stratified split:
two different fifths of the same rows).
Run: `.venv/bin/python bench/dask_train.py [--rows 2000000] [--features 50] [--parts 20]`
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


def _dataset(project: Path, rows: int, features: int, parts: int) -> None:
    folder = project / "data/big"
    folder.mkdir(parents=True)
    size = -(-rows // parts)
    for i in range(parts):
        n = min(size, rows - i * size)
        rng = np.random.default_rng(100 + i)
        frame = pd.DataFrame(
            rng.normal(size=(n, features)).astype("float32"),
            columns=[f"x{j}" for j in range(features)],
        )
        signal = frame["x0"] * frame["x1"] + np.sin(frame["x2"] * 2) + 0.5 * frame["x3"]
        frame["y"] = (signal + rng.normal(scale=0.8, size=n) > 0).astype(int)
        frame.to_parquet(folder / f"part-{i:04d}.parquet", index=False)
    pd.concat(pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))).to_parquet(
        project / "data/all.parquet", index=False
    )


async def _train(project: Path, data: str, cluster: str | None) -> dict[str, Any]:
    if cluster:
        os.environ["MOAI_ML_CLUSTER"] = cluster
    else:
        os.environ.pop("MOAI_ML_CLUSTER", None)
    args = {"data_path": data, "target": "y", "model": "lightgbm", "time_budget_s": 7200}
    args["background"] = False  # inline, whatever the estimate says
    started = time.monotonic()
    async with inprocess_client(project) as client:
        result = structured(await client.call_tool("ml_train", args))
    result["wall_s"] = time.monotonic() - started
    return result


async def _run(project: Path, args: argparse.Namespace, address: str) -> None:
    _dataset(project, args.rows, args.features, args.parts)
    results = {
        "cluster": await _train(project, "data/big", address),
        "one process": await _train(project, "data/all.parquet", None),
    }
    for name, r in results.items():
        print(
            f"{name:>12}: holdout roc_auc {r['metrics']['roc_auc']:.4f} on {r['test_rows']:,} "
            f"rows, fit {r['fit_time_s']:.1f} s, call {r['wall_s']:.1f} s ({r['ran_on']})"
        )
    gap = results["cluster"]["metrics"]["roc_auc"] - results["one process"]["metrics"]["roc_auc"]
    print(f"AUC cluster - one process: {gap:+.4f} (issue's bar: within 0.005)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--parts", type=int, default=20)
    parser.add_argument("--worker-memory", default="2GiB")
    args = parser.parse_args()
    from distributed import LocalCluster

    with (
        tempfile.TemporaryDirectory() as tmp,
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit=args.worker_memory,
            host="127.0.0.1",
            dashboard_address=":0",
        ) as cluster,
    ):
        anyio.run(_run, Path(tmp), args, cluster.scheduler_address)


if __name__ == "__main__":
    main()
