"""Fit one model on a table: prepare the data, split, fit the Pipeline, score the holdout, stage
the model as an MLflow model directory. Runs inside a job process (`processes.child`); everything
it writes goes to the request's staging directory, which the caller logs or deletes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcp_server.ml.fitting.holdout_scoring import (
    holdout_evidence,
    one_row_latency_ms,
    predict_both,
    score,
    training_prior,
)
from mcp_server.ml.fitting.holdout_split import grouping_note, holdout_split, split_rows
from mcp_server.ml.fitting.kind_hint import prepared_for
from mcp_server.ml.fitting.progress import Progress, no_progress
from mcp_server.ml.modeling.dataset import Prepared, check_classes
from mcp_server.ml.tracking import tags

TRAIN_STEPS = 6


@dataclass
class TrainRequest:
    data_path: str
    target: str
    model: str
    staging: str
    params: dict[str, Any] = field(default_factory=dict)
    task: str = "auto"
    test_size: float = 0.2
    seed: int = 42
    drop: list[str] = field(default_factory=list)
    cache: str | None = None  # folder of cached schemas (see `prepare`)
    kind: str | None = None  # the kind of data a SPEC or the caller names (None: detected)
    kind_options: dict[str, Any] = field(default_factory=dict)  # its options (a series' horizon)
    notes: list[str] = field(default_factory=list)  # what the server decided, for the warnings
    group_column: str | None = None  # the SPEC's: a group's rows stay on one side of the holdout


@dataclass
class TrainOutcome:
    model: str
    task: str
    metrics: dict[str, Any]
    confusion: list[list[int]] | None
    labels: list[str]
    fit_time_s: float
    latency_ms: float
    model_size_mb: float
    rows: int
    columns: int
    train_rows: int
    test_rows: int
    sha256: str
    schema: dict[str, Any]
    estimator_params: dict[str, Any]
    warnings: list[str]
    plots: dict[str, str]
    data_kind: str = "table"  # the kind of data that read the rows (`ml/data/kinds`)
    ran_on: str = "local"  # the job process, or the Dask cluster (`cluster.engine.Where`)
    # every metric's bootstrap interval, the baseline and the threshold (`holdout_evidence`)
    evidence: dict[str, Any] = field(default_factory=dict)
    target_prior: dict[str, Any] = field(default_factory=dict)  # `holdout_stats.prior_of`


def train_job(req: TrainRequest, progress: Progress = no_progress) -> TrainOutcome:
    """The whole fit, in the job process. Files land in `req.staging` only."""
    from mcp_server.ml.fitting.image_plots import fit_plots
    from mcp_server.ml.modeling.forecast.scoring import forecast_metrics
    from mcp_server.ml.modeling.preprocess import ignored_columns

    data = _read(req, progress)
    schema = data.schema
    progress(2, "splitting")
    fitted = _fit(req, data, progress)
    progress(4, f"scoring {len(fitted.y_test):,} holdout rows")
    pred, proba = predict_both(fitted.pipeline, fitted.X_test, schema.task)
    metrics, matrix = score(schema.task, fitted.y_test, pred, proba, len(schema.classes))
    metrics.update(forecast_metrics(fitted.pipeline, fitted.X_test, fitted.y_test, pred))
    latency = one_row_latency_ms(fitted.pipeline, fitted.X_test)
    prior = training_prior(schema, data.y, fitted.test_idx)
    evidence = holdout_evidence(schema, (fitted.y_test, pred, proba), metrics, prior)
    progress(5, "saving the model and plots")
    size = _stage(req, data, fitted)
    staged_plots = fit_plots(schema, fitted, pred, proba, matrix, Path(req.staging) / tags.PLOTS)
    return TrainOutcome(
        model=fitted.model,
        task=schema.task,
        metrics=metrics,
        confusion=matrix,
        labels=[str(c) for c in schema.classes],
        fit_time_s=round(fitted.fit_time_s, 3),
        latency_ms=latency,
        model_size_mb=round(size / 2**20, 3),
        rows=data.rows,
        columns=data.columns,
        train_rows=fitted.train_rows,
        test_rows=len(fitted.y_test),
        sha256=data.sha256,
        schema=schema.to_dict(),
        estimator_params=fitted.estimator_params,
        warnings=[
            *req.notes,
            *data.warnings,
            *fitted.copies,
            *ignored_columns(schema, fitted.model),
        ],
        plots=staged_plots,
        data_kind=data.kind.name,
        evidence=evidence,
        target_prior=prior,
    )


def _read(req: TrainRequest, progress: Progress) -> Prepared:
    """The estimator's own check of its params (before the data is read), then the rows read and
    profiled by their kind, with enough of each class for a stratified holdout."""
    from mcp_server.ml.modeling.estimators import check_params

    if req.model != "auto":
        check_params(req.model, req.task, req.params, req.seed)
    progress(1, "loading and profiling the data")
    data = prepared_for(req)
    check_classes(data.y, data.schema, 2, "a stratified holdout split")
    return data


@dataclass
class _Fitted:
    """A fitted pipeline and the holdout it is scored on."""

    model: str
    pipeline: Any
    X_test: Any
    y_test: Any
    test_idx: Any
    train_rows: int
    fit_time_s: float
    copies: list[str]  # the rows kept together on one side of the holdout, said

    @property
    def estimator_params(self) -> dict[str, Any]:
        from mcp_server.ml.tracking.artifacts import simple_params

        return simple_params(self.pipeline.named_steps["model"])


def _fit(req: TrainRequest, data: Any, progress: Progress) -> _Fitted:
    """Split the rows and fit the pipeline on the training ones (the holdout waits on disk)."""
    from mcp_server.ml.data.memory import release_memory
    from mcp_server.ml.modeling.kind_families import check_accepted, default_model_for
    from mcp_server.ml.modeling.preprocess import build_pipeline

    schema = data.schema
    train_idx, test_idx = holdout_split(data, req.test_size, req.seed)
    copies = grouping_note(data, "the holdout")  # before split_rows empties data.X
    if req.model == "auto":  # the kind's families: the registry's first choice for tables
        model = default_model_for(data.kind, schema.task, len(data.y))
    else:
        model = req.model
        check_accepted(data.kind, [model])
    pipeline = build_pipeline(schema, model, req.params, req.seed)
    parts = split_rows(data.X, train_idx, test_idx)  # empties data.X column by column
    # parts: [the training rows], let go by the fit
    holdout = _set_aside(parts.pop(), Path(req.staging))
    y_train, y_test = data.y[train_idx], data.y[test_idx]
    release_memory()
    progress(3, f"fitting {model} on {len(train_idx):,} rows")
    started = time.perf_counter()
    fit_pipeline(pipeline, parts, y_train, model)
    fit_time = time.perf_counter() - started
    X_test = _take_back(holdout)
    return _Fitted(model, pipeline, X_test, y_test, test_idx, len(train_idx), fit_time, copies)


def _stage(req: TrainRequest, data: Any, fitted: _Fitted) -> int:
    """The holdout's positions, the model's moai files and its MLflow model directory into the
    staging folder; the model's size in bytes."""
    import numpy as np

    from mcp_server.ml.tracking.artifacts import INPUT_EXAMPLE_ROWS, stage_model, write_moai_dir

    staging = Path(req.staging)
    np.save(staging / tags.HOLDOUT_INDEX, fitted.test_idx)
    write_moai_dir(staging / tags.MOAI_DIR, fitted.pipeline, data.schema)
    example = data.raw_example
    if example is None:
        example = fitted.X_test.head(INPUT_EXAMPLE_ROWS)
    return int(
        stage_model(fitted.pipeline, example, staging / tags.MODEL_DIR, data.schema, fitted.model)
    )


def _set_aside(frame: Any, folder: Path) -> Path:
    """The holdout rows wait on disk while the model fits: in memory they would sit next to the
    table and the matrix it becomes, at the fit's peak (a fifth of the table, read back in a
    blink)."""
    import pickle

    path = folder / ".holdout-rows.pickle"
    with path.open("wb") as handle:
        pickle.dump(frame, handle, protocol=5)
    return path


def _take_back(path: Path) -> Any:
    import pickle

    with path.open("rb") as handle:
        frame = pickle.load(handle)  # noqa: S301 - written by this job a moment ago, in its own staging folder
    path.unlink()
    return frame


def fit_pipeline(pipeline: Any, owned: list[Any], y: Any, model: str) -> None:
    """Fit the Pipeline step by step, as `Pipeline.fit` does, with one difference: the table comes
    in a list the caller gives up, and is let go as the first step transforms it (a table of
    numbers column by column, straight into histogram boosting's early-stopping split), so the
    estimator fits with only the matrix in memory (Pipeline.fit keeps its input to the end).
    An estimator's own refusal of its params becomes a clear error."""
    from mcp_server.core.errors import MoaiMlError
    from mcp_server.ml.data.memory import release_memory
    from mcp_server.ml.fitting.lean_fit import (
        early_stopping_split,
        fit_estimator_owned,
        fit_transform_owned,
    )

    try:
        final = pipeline.steps[-1][1]
        split = early_stopping_split(final, len(owned[-1]), y)
        handed = [owned.pop()]
        steps = [
            step for _, step in pipeline.steps[:-1] if step is not None and step != "passthrough"
        ]
        for i, step in enumerate(steps):
            # the last step writes its output straight into the estimator's early-stopping split
            handed = fit_transform_owned(step, handed, y, split if i == len(steps) - 1 else None)
            # the table's freed pages back to the system before the estimator allocates
            release_memory()
        if final is not None and final != "passthrough":
            fit_estimator_owned(final, [handed], y, split)
    except (ValueError, TypeError) as exc:
        text = str(exc).strip().splitlines()
        raise MoaiMlError(
            f"{model} could not be fitted: {text[0] if text else type(exc).__name__}; if the "
            "data is not the cause, change params= or pass another model="
        ) from exc
