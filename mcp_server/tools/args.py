"""Tool arguments shared by several tools: one declaration, one description, one set of bounds.

A bounds-only type (`Folds`, `Seconds`, `Family`) is for an argument whose meaning, and so its
description, differs between tools: `Annotated[Folds | None, Field(description=...)]` publishes
the same schema as writing the bounds out. Result fields shared by several output models end the
file.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mcp_server.core.names import (
    EXPERIMENT_NAME,
    METRIC_NAME,
    MODEL_NAME,
    RUN_REF,
    SPEC_ID,
    TaskChoice,
)

DataPath = Annotated[
    str,
    Field(
        min_length=1, max_length=4096, description="CSV or Parquet table, relative to the workspace"
    ),
]
Target = Annotated[str, Field(min_length=1, max_length=1024, description="Column to predict")]
OptionalDataPath = Annotated[
    str | None, Field(min_length=1, max_length=4096, description="CSV or Parquet (or spec_path)")
]
OptionalTarget = Annotated[
    str | None, Field(min_length=1, max_length=1024, description="Column to predict")
]
SpecRef = Annotated[
    str | None,
    Field(
        min_length=1,
        max_length=4096,
        description="SPEC (ML-001, its folder or spec.md): its data, target, metric, split, gates",
    ),
]
Task = Annotated[TaskChoice, Field(description="'auto': from the target")]
Seed = Annotated[int, Field(ge=0, le=2**32 - 1, description="Random seed")]
Drop = Annotated[
    list[Annotated[str, Field(max_length=1024)]],
    Field(max_length=500, description="Columns never used as features (ids, leaks)"),
]
SpecId = Annotated[
    str | None, Field(pattern=SPEC_ID, max_length=32, description="SPEC (ML-001) to tag runs with")
]
Trusted = Annotated[
    bool,
    Field(description="Load a model pickle this machine did not sign (it runs code)"),
]
Experiment = Annotated[
    str | None,
    Field(
        pattern=EXPERIMENT_NAME, max_length=200, description="MLflow experiment (default SPEC-<id>)"
    ),
]
AllowFailedGates = Annotated[
    bool,
    Field(description="Use a run that failed its SPEC gates or was rejected (recorded)"),
]
RunRef = Annotated[
    str, Field(pattern=RUN_REF, description="Run id (ml_list_runs) or models:/name@alias")
]
Cluster = Annotated[
    str | None,
    Field(
        max_length=300,
        description="local, local-cluster or tcp://host:port (Dask)",
    ),
]
Family = Annotated[str, Field(pattern=MODEL_NAME)]  # a registry model (ml/modeling/registry.py)
Families = Annotated[list[Family], Field(max_length=20)]
Metric = Annotated[
    str | None,
    Field(pattern=METRIC_NAME, description="Metric to rank by (default roc_auc, f1_macro or rmse)"),
]
Folds = Annotated[int, Field(ge=2, le=20)]
CvFolds = Annotated[Folds, Field(description="Folds (stratified for classification)")]
Seconds = Annotated[float, Field(gt=0, le=86400)]
StopAfter = Annotated[Seconds, Field(description="Seconds until it stops with an error")]

# Result fields
RejectedReason = Annotated[
    str | None, Field(description="The gates it missed; ml_export/serving refuse such a run")
]
DataKindName = Annotated[
    str | None,
    Field(
        pattern=r"^[a-z][a-z0-9_]{0,39}$",
        description="'timeseries' to forecast; null: SPEC's kind or detected",
    ),
]
KindOptions = Annotated[
    dict[Annotated[str, Field(max_length=40)], str | int] | None,
    Field(
        max_length=10,
        description="timeseries: time_column, series_id, horizon, frequency, season_length",
    ),
]
