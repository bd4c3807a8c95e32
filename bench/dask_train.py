"""Training on a Dask cluster against one process: the issue's figure, scaled down.

Writes a generated dataset of `--rows` x `--features` numeric columns (a binary target from a
few of them, with noise) as `--parts` Parquet files, then trains LightGBM on it twice through the
real server (in-process MCP client): `ml_train` on the folder with `MOAI_ML_CLUSTER` naming a
2-worker cluster whose workers are limited to `--worker-memory` each (started by this script
beforehand, as an operator's is), and `ml_train` on one Parquet file holding the same rows, in
the job process; before that, the same one-file `ml_train` with `MOAI_ML_MAX_MEMORY_MB` at
`--guard-mb` (the issue's 2 GiB), which the memory guard refuses (its message printed). Prints
each call's holdout AUC, fit time and wall time, and the rows held out (the cluster's holdout is
drawn by a hash of each row, the local one by a seeded stratified split: two different fifths of
the same rows). The dataset is generated one partition at a time, each written to its Parquet
file and appended to the one file (never the whole table twice in memory).
Run: `.venv/bin/python bench/dask_train.py [--rows 2000000] [--features 50] [--parts 20]`
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

from bench.dask_support import labelled_part, part_sizes
from tests.cluster_support import local_cluster
from tests.support import error_text, inprocess_client, structured


def _dataset(project: Path, rows: int, features: int, parts: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = project / "data/big"
    folder.mkdir(parents=True)
    writer = None
    for i, n in enumerate(part_sizes(rows, parts)):
        table = pa.Table.from_pandas(labelled_part(i, n, features), preserve_index=False)
        pq.write_table(table, folder / f"part-{i:04d}.parquet")
        writer = writer or pq.ParquetWriter(project / "data/all.parquet", table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()


async def _train(project: Path, data: str, cluster: str | None) -> dict[str, Any]:
    """`ml_train` of `data` on `cluster` (None: the job process); its result, or
    {"refused": the error} when the call was refused."""
    if cluster:
        os.environ["MOAI_ML_CLUSTER"] = cluster
    else:
        os.environ.pop("MOAI_ML_CLUSTER", None)
    args = {"data_path": data, "target": "y", "model": "lightgbm", "time_budget_s": 7200}
    args["background"] = False  # inline, whatever the estimate says
    started = time.monotonic()
    async with inprocess_client(project) as client:
        # The client's own 600 s wait would end a 10M-row fit at load before its budget does.
        called = await client.call_tool("ml_train", args, read_timeout_seconds=7200 + 120)
    if called.is_error:
        return {"refused": error_text(called)}
    result = structured(called)
    result["wall_s"] = time.monotonic() - started
    return result


def _guarded(project: Path, memory_mb: int) -> None:
    """The one-file `ml_train` under the memory cap, in a fresh process (the job forkserver
    keeps the environment it started with), its refusal printed."""
    import subprocess
    import sys

    env = {**os.environ, "MOAI_ML_MAX_MEMORY_MB": str(memory_mb)}
    env.pop("MOAI_ML_CLUSTER", None)
    code = (
        "import anyio, sys; from pathlib import Path; from bench.dask_train import _train; "
        "r = anyio.run(_train, Path(sys.argv[1]), 'data/all.parquet', None); "
        "print(r.get('refused') or f\"NOT refused: trained, AUC {r['metrics']['roc_auc']:.4f}\")"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code, str(project)],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    shown = (done.stdout.strip().splitlines() or [done.stderr.strip()[-300:]])[-1]
    print(f"one process under MOAI_ML_MAX_MEMORY_MB={memory_mb}: {shown}", flush=True)


async def _run(project: Path, args: argparse.Namespace, address: str) -> None:
    _dataset(project, args.rows, args.features, args.parts)
    _guarded(project, args.guard_mb)
    results = {
        "cluster": await _train(project, "data/big", address),
        "one process": await _train(project, "data/all.parquet", None),
    }
    for name, r in results.items():
        if "refused" in r:
            raise SystemExit(f"{name}: {r['refused']}")
        print(
            f"{name:>12}: holdout roc_auc {r['metrics']['roc_auc']:.4f} on {r['test_rows']:,} "
            f"rows, fit {r['fit_time_s']:.1f} s, call {r['wall_s']:.1f} s ({r['ran_on']})"
        )
    gap = results["cluster"]["metrics"]["roc_auc"] - results["one process"]["metrics"]["roc_auc"]
    print(f"AUC cluster - one process: {gap:+.4f} (issue's bar: within 0.005)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--parts", type=int, default=20)
    parser.add_argument("--worker-memory", default="2GiB")
    parser.add_argument("--guard-mb", type=int, default=2048)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        local_cluster(args.worker_memory) as cluster,
    ):
        anyio.run(_run, Path(tmp), args, cluster.scheduler_address)


if __name__ == "__main__":
    main()
