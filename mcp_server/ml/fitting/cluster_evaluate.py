"""`ml_evaluate` of a partitioned dataset on the Dask cluster (the job `evaluate_run` picks when
the run was trained on the cluster and no other table is given, or when the table given is
partitioned): the run's holdout drawn again by the rule its files keep (`cluster_data.Split`, a
hash of the row or of the SPEC's group column), or every labelled row of new partitions, each
partition scored where it lies; the metrics, evidence and plots from those scores as
`evaluation.evaluate_job` makes them of one table's."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import DataError, MoaiMlError
from mcp_server.ml.capability import Plan
from mcp_server.ml.fitting.evaluation import EVAL_STEPS, EvaluateOutcome
from mcp_server.ml.fitting.progress import Progress, no_progress
from mcp_server.ml.tracking import tags

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.fitting.requests import EvaluateArgs
    from mcp_server.ml.tracking.runs import RunStore, RunView


@dataclass
class ClusterEvaluateRequest:
    model_path: str  # the run's signed model file
    schema: dict[str, Any]
    files: list[str]  # one partition each (`data/partitioned.partitions`)
    staging: str
    engine: str  # local-cluster or tcp://host:port
    rule: dict[str, Any] | None = None  # the run's holdout rule; None: every labelled row
    seed: int = 42
    trusted: bool = False
    target_prior: dict[str, Any] = field(default_factory=dict)


def cluster_plan(
    workspace: Workspace, store: RunStore, args: EvaluateArgs, folder: Path, run: RunView
) -> tuple[Plan, str] | None:
    """In the server: the evaluation on the Dask cluster and the partitions' fingerprint, when
    its rows are partitions (a partitioned table given, or the own holdout of a run trained on
    the cluster, whose files keep the holdout's rule, `tags.HOLDOUT_RULE`); None for a file."""
    from mcp_server.ml.fitting.where import partitioned_table
    from mcp_server.safety.signing import require_signed

    rule = _holdout_rule(store, run, folder) if args.data_path is None else None
    if rule is None and not (
        args.data_path and partitioned_table(workspace, args.data_path, args.kind)
    ):
        return None
    if args.cv_folds:
        raise MoaiMlError(
            "cv_folds cross-validates one table in the job process; on a partitioned dataset "
            "compare families with ml_compare_models (on the cluster), or omit cv_folds"
        )
    files, engine, sha = _cluster_rows(workspace, args, run, rule)
    moai = store.moai_dir(args.run_id)
    model = moai / tags.MODEL_FILE
    what = f"run {args.run_id}'s model"
    require_signed(model, folder=moai, what=what, trusted=args.trusted, run_id=args.run_id)
    request = ClusterEvaluateRequest(
        model_path=str(model),
        schema=json.loads((moai / tags.SCHEMA_FILE).read_text(encoding="utf-8")),
        files=files,
        staging=str(folder / "plots"),
        engine=engine,
        rule=rule,
        seed=int(run.tags.get(tags.SEED, "42")),
        trusted=args.trusted,
        target_prior=json.loads(run.tags.get(tags.TARGET_PRIOR, "{}") or "{}"),
    )
    plan = Plan(request, args.time_budget_s, EVAL_STEPS, f"the evaluation on {engine}")
    return replace(plan, execute=cluster_evaluate_job), sha


def _holdout_rule(store: RunStore, run: RunView, folder: Path) -> dict[str, Any] | None:
    """The hash rule of a cluster fit's holdout, or None for a run that kept positions."""
    try:
        path = store.artifact_file(run, f"{tags.SPLIT}/{tags.HOLDOUT_RULE}", folder)
    except MoaiMlError:
        return None
    rule: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return rule


def _cluster_rows(
    workspace: Workspace, args: EvaluateArgs, run: RunView, rule: dict[str, Any] | None
) -> tuple[list[str], str, str]:
    """The partitions to score, the engine (the run's SPEC's `cluster:`, else
    `MOAI_ML_CLUSTER`) and the listing's fingerprint; the run's own partitions refused when they
    changed since."""
    from mcp_server.ml.data.partitioned import fingerprint
    from mcp_server.ml.fitting.where import cluster_dataset, fit_engine

    engine = fit_engine(workspace, run.spec_id)
    reference = args.data_path or run.tag(tags.DATA_PATH) or ""
    dataset = cluster_dataset(workspace, reference, engine)
    sha = fingerprint(dataset)
    if rule is not None and sha != run.tag(tags.DATA_SHA256):
        raise MoaiMlError(
            f"{reference} changed since run {args.run_id[:8]} was trained (its files' names, "
            "sizes or times), so its holdout is gone; pass data_path to evaluate on it as it is"
        )
    return [str(f) for f in dataset.files], engine, sha


def cluster_evaluate_job(
    req: ClusterEvaluateRequest, progress: Progress = no_progress
) -> EvaluateOutcome:
    import dask.dataframe

    from mcp_server.ml.cluster.engine import open_engine
    from mcp_server.ml.data.hash_split import Split
    from mcp_server.ml.data.partitioned import empty_like
    from mcp_server.ml.data.partitioned_profile import read_file
    from mcp_server.ml.data.schema import Schema
    from mcp_server.ml.fitting.cluster_data import score_on_cluster
    from mcp_server.safety.signing import load_pickle

    schema = Schema.from_dict(req.schema)
    progress(1, "loading the model")
    path = Path(req.model_path)
    model = load_pickle(path, what="the run's model", trusted=req.trusted, folder=path.parent)
    split = Split.from_rule(req.rule) if req.rule else None
    dd: Any = dask.dataframe  # Dask ships no type hints for these
    with open_engine(req.engine) as (_client, where):
        frame = dd.from_map(read_file, req.files, meta=empty_like(req.files[0]))
        if schema.target not in frame.columns:
            raise DataError(
                f"the partitions have no target column {schema.target!r}; pass a data_path "
                "with labelled rows"
            )
        which = "the holdout" if split else "every labelled row"
        progress(2, f"scoring {which} of {len(req.files)} partitions on {where.describe()}")
        scored = score_on_cluster(frame, model, schema, split)
    if not len(scored[0]):
        raise DataError(
            f"the partitions have no rows with a value in {schema.target!r}; pass a data_path "
            "with labelled rows"
        )
    return _outcome(req, schema, model, scored, f"scored on {where.describe()}", progress)


def _outcome(
    req: ClusterEvaluateRequest,
    schema: Any,
    model: Any,
    scored: tuple[Any, Any, Any],
    note: str,
    progress: Progress,
) -> EvaluateOutcome:
    """Metrics, evidence, the model's own importances and the task's plots of the scores."""
    from mcp_server.ml.fitting import plots as drawing
    from mcp_server.ml.fitting.evaluation import TOP_FEATURES, importance
    from mcp_server.ml.fitting.holdout_scoring import holdout_evidence, score

    y, pred, proba = scored
    metrics, matrix = score(schema.task, y, pred, proba, len(schema.classes))
    evidence = holdout_evidence(schema, scored, metrics, req.target_prior)
    progress(3, "feature importance")
    names, values, method = importance(model, None, y, schema, req.seed)
    progress(4, "drawing plots")
    labels = [str(c) for c in schema.classes]
    drawn = {"y_true": y, "y_pred": pred, "proba": proba, "labels": labels, "matrix": matrix}
    ranked = (names, values, method) if names else None
    plots, smalls = drawing.render(
        schema.task, {**drawn, "importance": ranked}, Path(req.staging), small=True
    )
    return EvaluateOutcome(
        task=schema.task,
        rows=len(y),
        metrics=metrics,
        confusion=matrix,
        labels=labels,
        cv=None,
        importance=list(zip(names, values, strict=True))[:TOP_FEATURES],
        importance_method=method if names else None,
        plots=plots,
        small_plots=smalls,
        warnings=[note],
        evidence=evidence,
    )


__all__ = ["ClusterEvaluateRequest", "cluster_evaluate_job", "cluster_plan"]
