"""`ml_compare_models` of a partitioned dataset on the Dask cluster (the job
`compare_run.prepare_comparison` picks for a folder of Parquet files or a CSV glob): the families
with a Dask estimator (`EstimatorSpec.dask_classifier`/`dask_regressor`), each cross-validated on
k folds drawn by a hash of the row or of the SPEC's group column (`cluster_data.Fold`: the same
folds on every run and any number of workers); each fold's preprocessing statistics computed on
its training rows, the booster fitted by its Dask estimator, the fold's rows scored where they
lie. Families without a Dask estimator are refused in the server, by name."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from mcp_server.ml.capability import Plan
from mcp_server.ml.fitting.compare import Candidate, CompareOutcome
from mcp_server.ml.fitting.progress import Progress, no_progress

if TYPE_CHECKING:
    from mcp_server.ml.capability import Call
    from mcp_server.ml.fitting.requests import CompareArgs


@dataclass
class ClusterCompareRequest:
    files: list[str]
    fingerprint: str
    target: str
    models: list[str]  # each with a Dask estimator (checked in the server)
    engine: str
    staging: str
    cv_folds: int = 5
    seed: int = 42
    task: str = "auto"
    metric: str | None = None
    drop: list[str] = field(default_factory=list)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    group: str | None = None
    deadline: float | None = None


def cluster_compare_plan(call: Call[CompareArgs], engine: str, steps: int, grace: float) -> Plan:
    """In the server: the partitions, the families (named ones refused by name when they have no
    Dask estimator; by default every installed family that has one) and the job."""
    from mcp_server.ml.data.partitioned import fingerprint
    from mcp_server.ml.fitting.where import cluster_dataset, cluster_model, spec_group
    from mcp_server.ml.modeling.catalog import cluster_families

    args = call.request
    dataset = cluster_dataset(call.workspace, args.data_path, engine)
    if args.models:
        models = [cluster_model(m, args.task) for m in args.models]
    else:
        models = cluster_families("regression" if args.task == "regression" else "binary")
        models = models or [cluster_model("auto", args.task)]  # refused: none installed
    request = ClusterCompareRequest(
        files=[str(f) for f in dataset.files],
        fingerprint=fingerprint(dataset),
        target=args.target,
        models=models,
        engine=engine,
        staging=str(call.folder),
        cv_folds=args.cv_folds,
        seed=args.seed,
        task=args.task,
        metric=args.metric,
        drop=list(args.drop),
        params=args.params,
        group=spec_group(call.workspace, args.spec_id),
        deadline=call.started + args.time_budget_s,
    )
    what = f"the comparison on {engine}"
    plan = Plan(request, args.time_budget_s + grace, steps, what, args.data_path)
    return replace(plan, execute=cluster_compare_job)


def cluster_compare_job(req: ClusterCompareRequest, progress: Progress = no_progress) -> Any:
    import dask.dataframe

    from mcp_server.ml.cluster.engine import open_engine
    from mcp_server.ml.data.partitioned import empty_like
    from mcp_server.ml.data.partitioned_profile import read_file
    from mcp_server.ml.fitting.cluster_train import cluster_table
    from mcp_server.ml.modeling.metrics import check_metric

    dd: Any = dask.dataframe  # Dask ships no type hints for these
    with open_engine(req.engine) as (_client, where):
        progress(0, f"profiling {len(req.files)} partitions on {where.describe()}")
        frame = dd.from_map(read_file, req.files, meta=empty_like(req.files[0]))
        table = cluster_table(_train_request(req, req.models[0]), frame)
        schema = table.schema
        metric = check_metric(schema.task, req.metric)
        setup = {
            "task": schema.task,
            "models": req.models,
            "metric": metric,
            "rows": table.rows,
            "columns": table.columns,
            "sha256": req.fingerprint,
            "ran_on": where.describe(),
        }
        progress(1, f"prepared {table.rows:,} rows on {where.describe()}", setup)
        out = []
        for i, name in enumerate(req.models, start=1):
            out.append(_candidate(req, frame, table, (name, i), progress))
            progress(i + 1, f"done {name}", out[-1])
    warnings = [*table.warnings, f"cross-validated on {where.describe()}"]
    return CompareOutcome(
        task=schema.task,
        rows=table.rows,
        columns=table.columns,
        n_features=len(schema.features),
        sha256=req.fingerprint,
        schema=schema.to_dict(),
        candidates=out,
        warnings=warnings,
        metric=metric,
    )


def _train_request(req: ClusterCompareRequest, model: str) -> Any:
    from mcp_server.ml.fitting.cluster_train import ClusterTrainRequest

    return ClusterTrainRequest.for_fit(req, model, req.params.get(model, {}))


def _candidate(
    req: ClusterCompareRequest, frame: Any, table: Any, named: tuple[str, int], progress: Progress
) -> Candidate:
    """One family cross-validated on the hash-drawn folds; a failure is reported, not fatal; one
    the deadline did not reach is skipped."""
    from mcp_server.ml.data.hash_split import Fold

    name, step = named
    if req.deadline is not None and time.time() >= req.deadline:
        return Candidate(name, "skipped", message="time budget used up before it could start")
    started = time.perf_counter()
    scores: list[dict[str, Any]] = []
    fits: list[float] = []
    try:
        for fold in Fold.all_of(table.split.columns, req.seed, req.cv_folds):
            progress(step, f"{name}: fold {fold.index + 1}/{req.cv_folds} on the cluster")
            metrics, fit_s = fold_scores(_train_request(req, name), frame, table, fold)
            scores.append(metrics)
            fits.append(fit_s)
    except Exception as exc:
        text = str(exc).strip().splitlines()
        return Candidate(name, "failed", message=(text[0] if text else type(exc).__name__)[:300])
    wall = round(time.perf_counter() - started, 3)
    return Candidate(name, "ok", summary(scores), round(sum(fits) / len(fits), 3), wall)


def fold_scores(train: Any, frame: Any, table: Any, fold: Any) -> tuple[dict[str, Any], float]:
    """One fold: the pipeline fitted on the other folds' rows on the cluster, this fold's rows
    scored where they lie; (its metrics, the fit's seconds)."""
    from mcp_server.ml.fitting.cluster_data import score_on_cluster
    from mcp_server.ml.fitting.cluster_train import fit_pipeline
    from mcp_server.ml.fitting.holdout_scoring import score

    folded = replace(table, split=fold)
    fitted = fit_pipeline(train, frame, folded, lambda *a: None)
    y, pred, proba = score_on_cluster(frame, fitted.pipeline, table.schema, fold)
    metrics = score(table.schema.task, y, pred, proba, len(table.schema.classes))[0]
    return metrics, fitted.fit_time_s


def summary(scores: list[dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """{metric: {mean, std}} over the folds, as `metrics.cv_summary` gives a local CV's."""
    from mcp_server.ml.modeling.metrics import mean_std

    return {name: mean_std([s.get(name) for s in scores]) for name in scores[0]}


__all__ = ["ClusterCompareRequest", "cluster_compare_job", "cluster_compare_plan", "fold_scores"]
