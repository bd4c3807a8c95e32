"""Neural families on the example tables: fit time, epochs, holdout score, one-row latency of the
network alone and of the whole pipeline, and the ONNX export (time, parity). Prints one row each.

Run: `.venv/bin/python bench/neural.py [model ...]` (default: torch_mlp keras_mlp + a linear
reference). The machine is shared: read the figures as orders of magnitude, not as a test.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from sklearn.model_selection import train_test_split

from mcp_server.ml.data.tables import load_table
from mcp_server.ml.export.formats import parity_sample, serialize
from mcp_server.ml.modeling.dataset import prepare
from mcp_server.ml.modeling.metrics import classification_metrics, regression_metrics
from mcp_server.ml.modeling.preprocess import build_pipeline

DATA = Path(__file__).resolve().parent.parent / "examples" / "data"
TABLES = [
    ("breast_cancer.csv", "target"),
    ("customers.csv", "segment"),
    ("diabetes.csv", "progression"),
]


def _median_ms(call, rounds: int = 30) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def row(model: str, table: str, target: str) -> str:
    data = prepare(DATA / table, target)
    task = data.schema.task
    stratify = data.y if task != "regression" else None
    X_tr, X_te, y_tr, y_te = train_test_split(
        data.X, data.y, test_size=0.2, random_state=42, stratify=stratify
    )
    pipeline = build_pipeline(data.schema, model, None, 42)
    started = time.perf_counter()
    pipeline.fit(X_tr, y_tr)
    fit_s = time.perf_counter() - started
    if task == "regression":
        score = f"r2 {regression_metrics(y_te, pipeline.predict(X_te))['r2']:.3f}"
    else:
        proba = pipeline.predict_proba(X_te)
        metrics = classification_metrics(
            y_te, pipeline.predict(X_te), proba, len(data.schema.classes)
        )
        score = f"f1_macro {metrics['f1_macro']:.3f}"
    one = X_te.head(1)
    features = pipeline[0].transform(one)
    net_ms = _median_ms(lambda: pipeline[-1].predict(features))
    pipe_ms = _median_ms(lambda: pipeline.predict(one))
    started = time.perf_counter()
    _, parity = serialize(
        pipeline, data.schema, model, "onnx", parity_sample(data.schema, load_table(DATA / table))
    )
    onnx_s = time.perf_counter() - started
    epochs = getattr(pipeline[-1], "n_epochs_", "-")
    return (
        f"{model:20} {table:18} fit {fit_s:6.2f} s  epochs {epochs!s:>4}  {score:15} one "
        f"row: net {net_ms:6.2f} ms,"
        f" pipeline {pipe_ms:6.2f} ms  onnx {onnx_s:5.1f} s, max |diff| {parity.max_abs_diff:.2g}"
    )


def main(models: list[str]) -> None:
    for model in models:
        for table, target in TABLES:
            if model in ("logistic_regression",) and target == "progression":
                continue
            print(row(model, table, target), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or ["torch_mlp", "keras_mlp", "logistic_regression"])
