"""Fitted pipelines on the example tables, for the export, ONNX and serving tests."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mcp_server.ml.data.profile import profile_frame
from mcp_server.ml.data.schema import Schema, build_schema
from mcp_server.ml.data.tables import load_table
from mcp_server.ml.modeling.preprocess import build_pipeline, coerce_frame, encode_target
from tests.support import EXAMPLES

TABLES = {
    "binary": ("breast_cancer", "target"),
    "regression": ("diabetes", "progression"),
    "multiclass": ("customers", "segment"),
}


@dataclass
class Fitted:
    pipeline: Any
    schema: Schema
    model_name: str
    train: pd.DataFrame  # coerced features the model was fitted on
    test: pd.DataFrame  # coerced held-out features
    raw: pd.DataFrame  # the table as loaded


@functools.cache
def table(task: str) -> tuple[pd.DataFrame, Schema]:
    name, target = TABLES[task]
    frame = load_table(EXAMPLES / "data" / f"{name}.csv")
    return frame, build_schema(frame, profile_frame(frame, target), [])


def fit(task: str, model: str, params: dict[str, Any] | None = None) -> Fitted:
    frame, schema = table(task)
    features = coerce_frame(frame, schema)
    y = encode_target(frame[schema.target], schema)
    cut = len(frame) * 3 // 4
    pipeline = build_pipeline(schema, model, params, 0).fit(features.iloc[:cut], y[:cut])
    return Fitted(pipeline, schema, model, features.iloc[:cut], features.iloc[cut:], frame)


def files_under(path: Path) -> list[str]:
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())


def log_fitted(
    root: Path, fitted: Fitted, data_file: str | None = None, tags: dict[str, str] | None = None
) -> str:
    """Record a fitted pipeline in the workspace's real MLflow run store; returns the run id."""
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.tracking.records import data_tags, fitted_record
    from mcp_server.ml.tracking.runs import get_store

    workspace = Workspace(root)
    store = get_store(workspace)
    data = data_tags(root / data_file, data_file) if data_file else None
    with store.scratch() as tmp:
        return store.record(
            fitted_record(
                Path(tmp),
                experiment="tests",
                run_name=f"{fitted.model_name}-{fitted.schema.task}",
                kind="train",
                model=fitted.pipeline,
                schema=fitted.schema,
                model_name=fitted.model_name,
                params={},
                metrics={"score": 0.9},
                extra_tags=tags,
                data=data,
                input_example=fitted.test.head(3),
            )
        )
