"""A cluster tune's trials with folds derived per trial against folds prepared once per search.

Writes a generated dataset of `--rows` x `--features` numeric columns (a binary target from a
few of them, with noise) as `--parts` Parquet files, starts a 2-worker `LocalCluster` (one
thread each), profiles the table as `ml_tune` does (`cluster_train.cluster_table`), then runs
the same `--trials` trials (XGBoost and LightGBM in turn, a few tree counts) on the same
`--folds` hash-drawn folds twice: each fold derived from the partitions for every trial
(`cluster_compare.fold_scores`, what the search did before), and each fold prepared once and
reused (`cluster_folds.FoldCache`, what `cluster_search` does now). Prints each way's wall time,
its CPU time (the two workers' and this process's, user+sys) and each trial's mean fold AUC. The
two ways fit the same rows, but a distributed booster's fit depends on which worker holds which
partition (XGBoost's quantile sketch, LightGBM's bins), which the scheduler decides each time: on
these continuous features the AUCs differ in the 4th decimal; on features whose values fit the
histogram's bins XGBoost's are identical (tests/cluster/test_tune_cluster.py).
Run: `.venv/bin/python bench/dask_tune.py [--rows 200000] [--features 20] [--parts 8]
[--folds 3] [--trials 4]`
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.dask_support import labelled_part, part_sizes
from tests.cluster_support import local_cluster


def _dataset(folder: Path, rows: int, features: int, parts: int) -> list[str]:
    folder.mkdir(parents=True)
    for i, n in enumerate(part_sizes(rows, parts)):
        labelled_part(i, n, features).to_parquet(folder / f"part-{i:04d}.parquet", index=False)
    return sorted(str(p) for p in folder.glob("*.parquet"))


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Derived:
    """The search's folds as they were: each derived from the partitions for every trial."""

    def __init__(self, frame: Any, table: Any) -> None:
        self.frame, self.table = frame, table

    def fold_scores(self, train: Any, fold: Any) -> tuple[dict[str, Any], float]:
        from mcp_server.ml.fitting.cluster_compare import fold_scores

        return fold_scores(train, self.frame, self.table, fold)

    def release(self) -> None:
        return None


def _trials(count: int) -> list[tuple[str, dict[str, Any]]]:
    trees = (30, 60, 90)
    return [
        ("xgboost" if i % 2 == 0 else "lightgbm", {"n_estimators": trees[(i // 2) % len(trees)]})
        for i in range(count)
    ]


def _search(client: Any, folds: Any, way: Any, fit: Any, trials: int) -> dict[str, Any]:
    """The trials on every fold with `way`'s folds: wall, CPU, each trial's mean AUC."""
    cpu = sum(client.run(_cpu_s).values()) + _cpu_s()
    started = time.perf_counter()
    aucs = []
    for family, params in _trials(trials):
        train = fit(family, params)
        aucs.append(float(np.mean([way.fold_scores(train, f)[0]["roc_auc"] for f in folds])))
    way.release()
    wall = time.perf_counter() - started
    cpu = sum(client.run(_cpu_s).values()) + _cpu_s() - cpu
    return {"wall_s": wall, "cpu_s": cpu, "auc": aucs}


def _run(files: list[str], args: argparse.Namespace, client: Any) -> None:
    import dask.dataframe as dd

    from mcp_server.ml.data.hash_split import Fold
    from mcp_server.ml.data.partitioned import empty_like
    from mcp_server.ml.data.partitioned_profile import read_file
    from mcp_server.ml.fitting.cluster_folds import FoldCache
    from mcp_server.ml.fitting.cluster_train import ClusterTrainRequest, cluster_table

    def fit(family: str, params: dict[str, Any]) -> Any:
        return ClusterTrainRequest(files, "", "y", family, "", "", params, test_size=0.2)

    frame = dd.from_map(read_file, files, meta=empty_like(files[0]))
    table = cluster_table(fit("xgboost", {}), frame)
    folds = Fold.all_of(table.split.columns, 42, args.folds, reserved=0.2)
    ways = {
        "derived per trial": Derived(frame, table),
        "prepared once": FoldCache(frame, table),
    }
    found = {name: _search(client, folds, way, fit, args.trials) for name, way in ways.items()}
    for name, r in found.items():
        shown = " ".join(f"{a:.4f}" for a in r["auc"])
        print(f"{name:>17}: wall {r['wall_s']:.1f} s, CPU {r['cpu_s']:.1f} s; mean AUC {shown}")
    before, after = found["derived per trial"], found["prepared once"]
    print(
        f"prepared once / derived: wall {after['wall_s'] / before['wall_s']:.2f}x, "
        f"CPU {after['cpu_s'] / before['cpu_s']:.2f}x ({args.trials} trials x {args.folds} "
        f"folds, {args.rows:,} rows x {args.features}; load {os.getloadavg()[0]:.1f})"
    )
    gaps = [f"{b - a:+.4f}" for a, b in zip(before["auc"], after["auc"], strict=True)]
    families = [f for f, _ in _trials(args.trials)]
    print(f"mean AUC prepared - derived per trial: {gaps} ({families})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--parts", type=int, default=8)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--trials", type=int, default=4)
    args = parser.parse_args()
    from distributed import Client

    print(f"load at start: {os.getloadavg()[0]:.1f}")
    with (
        tempfile.TemporaryDirectory() as tmp,
        local_cluster("auto") as cluster,
        Client(cluster) as client,
    ):
        files = _dataset(Path(tmp) / "parts", args.rows, args.features, args.parts)
        _run(files, args, client)


if __name__ == "__main__":
    main()
