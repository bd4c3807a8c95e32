"""Where one partition's scoring time goes: each stage of `ml_batch_score`'s `score_part` against
the plain pandas loop `bench/batch_score.py` uses as its baseline, on one thread.

Trains one model (hist_gradient_boosting on `--features` numeric features) with `ml_train` in a
temporary workspace, writes one partition of `--rows` rows, then times each stage in this process
with OpenMP limited to one thread (what a single-threaded Dask worker and the job process get):
reading (pandas, and the product's guarded reader), `coerce_frame`, predicting, building the
output, writing it, the whole `score_part`, and the pandas loop (read, `predict_proba`, labels,
write). Figures are CPU time (every thread of this process), the best of `--repeat`: on a shared
machine wall time says more about the other processes than about the code.
Run: `.venv/bin/python bench/score_stages.py [--rows 100000] [--features 10] [--repeat 5]`
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pandas as pd

from bench.batch_score import _dataset, _table
from tests.support import inprocess_client, structured


async def _train(project: Path, features: int) -> str:
    _table(50_000, features, seed=1).to_csv(project / "train.csv", index=False)
    async with inprocess_client(project) as client:
        run = structured(
            await client.call_tool(
                "ml_train",
                {"data_path": "train.csv", "target": "y", "model": "hist_gradient_boosting"},
            )
        )
    return str(run["run_id"])


def _cpu_ms(work: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best * 1000


def _pandas_loop(model: Any, source: Path, target: Path) -> None:
    frame = pd.read_parquet(source)
    proba = model.predict_proba(frame)
    out = pd.DataFrame({"prediction": model.classes_.take(proba.argmax(axis=1))})
    for i, label in enumerate(model.classes_):
        out[f"proba_{label}"] = proba[:, i]
    out.to_parquet(target, index=False)


def _stages(project: Path, run_id: str, repeat: int) -> dict[str, float]:
    from threadpoolctl import threadpool_limits

    from mcp_server.ml.fitting.holdout_scoring import predict_both
    from mcp_server.ml.modeling.preprocess import coerce_frame
    from mcp_server.ml.scoring.partition import read_part, score_frame, score_part, write_part
    from tests.cluster.test_train_cluster import run_model

    model, schema = run_model(project, run_id)
    source, target = project / "data/big/part-0000.parquet", str(project / "out.parquet")
    frame = read_part(str(source))
    coerced = coerce_frame(frame, schema)
    scored = score_frame(frame, model, schema, (), run_id, "")
    args = (str(source), target, model, schema, (), run_id, "")
    stages: dict[str, Callable[[], Any]] = {
        "pandas.read_parquet": lambda: pd.read_parquet(source),
        "read_part": lambda: read_part(str(source)),
        "coerce_frame": lambda: coerce_frame(frame, schema),
        "predict (predict_both)": lambda: predict_both(model, coerced, schema.task),
        "score_frame (coerce+predict+output)": lambda: score_frame(
            frame, model, schema, (), run_id, ""
        ),
        "write_part": lambda: write_part(scored, target),
        "score_part (all of it)": lambda: score_part(*args),
        "plain pandas loop": lambda: _pandas_loop(model, source, project / "pandas.parquet"),
    }
    with threadpool_limits(limits=1):
        return {name: _cpu_ms(work, repeat) for name, work in stages.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        run_id = anyio.run(_train, project, args.features)
        _dataset(project / "data/big", args.rows, args.features, 1)
        figures = _stages(project, run_id, args.repeat)
    print(f"one partition of {args.rows:,} rows x {args.features} features, one thread, CPU ms:")
    for name, ms in figures.items():
        print(f"{name:>36}: {ms:8.1f}")
    extra = figures["score_part (all of it)"] / figures["plain pandas loop"] - 1
    print(f"score_part over the pandas loop: {extra:+.1%}; load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
