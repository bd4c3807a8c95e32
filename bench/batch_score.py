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
operator's cluster would be), then a second time on that cluster: its workers have imported the
libraries and unpickled a model once, as a long-lived cluster's have after its first call (the
first call's extra is start-up: ~2.3 s of CPU per worker, mostly importing scikit-learn to
unpickle the model). Prints rows/s of each (the tool's own figure: scoring time from opening the
engine) and the call's wall time, with the load average after each measurement, each engine's
ratio to both pandas baselines (the issue's bar: the 2-worker cluster at 1.7x one pandas
process), and whether every engine wrote the same scores. `--engines` picks the engines (the
issue's figure needs only `running`), `--no-warm` skips the second call.
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
    """Both baselines, one after the other, each with the load average when it ended."""
    from tests.cluster.test_train_cluster import run_model

    model, _schema = run_model(project, run_id)
    folder = project / "data/big"
    rates = {}
    for name, threads in (("pandas, default threads", None), ("pandas, 1 thread", 1)):
        rates[name] = _pandas(model, folder, project / f"pandas/{threads or 'all'}", threads)
        print(f"{name:>23}: {rates[name]:,.0f} rows/s (load {os.getloadavg()[0]:.1f})", flush=True)
    return rates


async def _score(client: Any, run_id: str, engine: str, name: str) -> dict[str, Any]:
    """One `ml_batch_score` call; its result with the call's wall time and the tool's rows/s."""
    started = time.monotonic()
    called = await client.call_tool(
        "ml_batch_score",
        {"model": run_id, "data_path": "data/big", "output": f"scores/{name}", "cluster": engine},
        read_timeout_seconds=4 * 3600,  # the client's own 600 s would end a 10M-row run at load
    )
    result = structured(called)
    result["wall_s"] = time.monotonic() - started
    result["rows_per_s"] = float(result["ran_on"].rsplit("; ", 1)[1].split()[0].replace(",", ""))
    print(
        f"{name:>23}: {result['rows']:,} rows in {result['scored']} partitions "
        f"({result['ran_on']}) (call {result['wall_s']:.1f} s, load {os.getloadavg()[0]:.1f})",
        flush=True,
    )
    return result


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
        engines = {"local": "local", "local-cluster": "local-cluster", "running": address}
        for name in args.engines:
            results[name] = await _score(client, run["run_id"], engines[name], name)
        if "running" in results and args.warm:
            # Its workers have imported the libraries and unpickled a model once: what an
            # operator's long-lived cluster pays per call after its first.
            results["running, 2nd call"] = await _score(client, run["run_id"], address, "running-2")
    _report(project, baselines, results)


def _report(project: Path, baselines: dict[str, float], results: dict[str, Any]) -> None:
    cores = len(os.sched_getaffinity(0))
    for name, result in results.items():
        rate = result["rows_per_s"]
        ratios = ", ".join(f"{rate / base:.2f}x {kind}" for kind, base in baselines.items())
        print(f"{name}: {ratios} (bar for 2 workers: 1.7x one pandas process)")
    print(f"on {cores} cores, load average {os.getloadavg()[0]:.1f} at the end")
    first, *others = results
    names = sorted(p.name for p in (project / f"scores/{first}").glob("*.parquet"))
    same = all(
        pd.read_parquet(project / f"scores/{first}" / name).equals(
            pd.read_parquet(project / results[other]["output"] / name)
        )
        for name in names
        for other in others
    )
    print(f"same scores on every engine: {same}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--parts", type=int, default=30)
    parser.add_argument(
        "--engines",
        nargs="+",
        choices=("local", "local-cluster", "running"),
        default=["local", "local-cluster", "running"],
        help="which ml_batch_score engines to run (running: the 2-worker cluster started here)",
    )
    parser.add_argument(
        "--no-warm",
        dest="warm",
        action="store_false",
        help="skip the second call on the running cluster (its workers warm)",
    )
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        local_cluster("auto") as cluster,
    ):
        print(f"load average at the start: {os.getloadavg()[0]:.1f}")
        anyio.run(_run, Path(tmp), args, cluster.scheduler_address)


if __name__ == "__main__":
    main()
