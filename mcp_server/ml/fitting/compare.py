"""Compare candidate models by k-fold cross-validation within a time budget.

Runs inside a job process. Each finished candidate is sent to the caller as a progress event at
once, so the candidates done before the budget ran out survive the job being stopped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.fitting.kind_hint import prepared_for
from mcp_server.ml.fitting.progress import Progress, no_progress
from mcp_server.ml.modeling.dataset import check_classes


@dataclass
class CompareRequest:
    data_path: str
    target: str
    models: list[str] | None = (
        None  # None: every available model that fits the task, cheap ones first
    )
    metric: str | None = None
    cv_folds: int = 5
    seed: int = 42
    task: str = "auto"
    drop: list[str] = field(default_factory=list)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)  # model -> params
    deadline: float | None = None  # time.time() after which no candidate starts
    cache: str | None = None  # folder of cached schemas (see `training.prepare`)
    kind: str | None = None  # the kind of data a SPEC or the caller names (None: detected)
    kind_options: dict[str, Any] = field(default_factory=dict)  # its options (a series' horizon)
    group_column: str | None = None  # the SPEC's: a group's rows stay in one fold


@dataclass
class Candidate:
    model: str
    status: str  # ok | failed | skipped
    cv: dict[str, dict[str, float | None]] = field(default_factory=dict)
    fit_time_s: float | None = None
    wall_time_s: float | None = None
    message: str | None = None


@dataclass
class CompareOutcome:
    task: str
    rows: int
    columns: int
    n_features: int
    sha256: str
    schema: dict[str, Any]
    candidates: list[Candidate]
    warnings: list[str]
    metric: str


def _target_summary(y: Any, task: str) -> dict[str, Any]:
    """The profile's summary of the target, made again: a cached schema keeps no profile."""
    import pandas as pd

    from mcp_server.ml.data.target_summary import summarize_target

    return summarize_target(pd.Series(y), task)


def compare_job(req: CompareRequest, progress: Progress = no_progress) -> CompareOutcome:
    from mcp_server.ml.modeling.metrics import check_metric

    progress(0, "loading and profiling the data")
    data = prepared_for(req)
    task = data.schema.task
    models = _checked_models(req, data)
    metric = check_metric(task, req.metric, forecast=bool(data.schema.roles))
    check_classes(
        data.y, data.schema, req.cv_folds, f"{req.cv_folds}-fold stratified cross-validation"
    )
    setup = {
        "task": task,
        "models": models,
        "metric": metric,
        "rows": data.rows,
        "columns": data.columns,
        "sha256": data.sha256,
        "data_kind": data.kind.name,
    }
    progress(1, f"prepared {len(data.y):,} rows", setup)
    out = []
    for i, name in enumerate(models, start=1):
        out.append(_candidate(req, data, name, i, len(models), progress))
        progress(i + 1, f"{'skipped' if out[-1].status == 'skipped' else 'done'} {name}", out[-1])
    return CompareOutcome(
        task=data.schema.task,
        rows=data.rows,
        columns=data.columns,
        n_features=len(data.schema.features),
        sha256=data.sha256,
        schema=data.schema.to_dict(),
        candidates=out,
        warnings=data.warnings,
        metric=metric,
    )


def _checked_models(req: CompareRequest, data: Any) -> list[str]:
    """The candidates: those named, else the kind's defaults for the target, with the kind's
    baseline (a forecast's seasonal naive) among them; each must fit the task and the kind."""
    from mcp_server.ml.modeling.catalog import get_spec
    from mcp_server.ml.modeling.kind_families import (
        check_accepted,
        for_the_series,
        for_the_target,
        models_for_kind,
        series_count,
        with_baseline,
    )

    task = data.schema.task
    models = req.models or for_the_series(
        data.kind,
        task,
        for_the_target(
            data.kind, task, models_for_kind(data.kind, task), _target_summary(data.y, task)
        ),
        series_count(data.schema, data.X),
    )
    models = with_baseline(data.kind, models)
    for name in models:
        if task not in get_spec(name).tasks:
            raise MoaiMlError(f"model {name!r} does not fit a {task} task; drop it from models=")
    check_accepted(data.kind, models)
    return models


def _candidate(
    req: CompareRequest, data: Any, name: str, i: int, n: int, progress: Progress
) -> Candidate:
    """One candidate cross-validated; one failing (bad params, a numeric error) is reported, not
    fatal; one the deadline did not reach is skipped."""
    from mcp_server.ml.fitting.evaluation import cross_validate_model

    if req.deadline is not None and time.time() >= req.deadline:
        return Candidate(name, "skipped", message="time budget used up before it could start")
    progress(i, f"cross-validating {name} ({i}/{n})")
    started = time.perf_counter()
    try:
        cv, fit_time = cross_validate_model(
            data, data.schema, name, req.params.get(name, {}), req.cv_folds, req.seed
        )
    except Exception as exc:
        text = str(exc).strip().splitlines()
        return Candidate(name, "failed", message=(text[0] if text else type(exc).__name__)[:300])
    return Candidate(name, "ok", cv, round(fit_time, 3), round(time.perf_counter() - started, 3))
