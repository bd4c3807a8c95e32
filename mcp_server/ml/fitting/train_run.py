"""`ml_train` in the domain: the training capability's prepare and record steps.

The fit itself runs in a job process (`training.train_job`); everything here runs in the
server. The run record (params, metrics, tags, artifacts) is assembled here, not in the tool.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core import layout
from mcp_server.ml.capability import Call, Plan, Recorded
from mcp_server.ml.fitting.requests import TrainArgs
from mcp_server.ml.fitting.training import TrainOutcome, TrainRequest
from mcp_server.ml.tracking import tags
from mcp_server.ml.tracking.artifacts import split_file
from mcp_server.ml.tracking.store import RunRecord
from mcp_server.ml.tracking.verdict import Verdict

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.tracking.runs import RunStore
    from mcp_server.ml.tracking.view import Written


@dataclass(frozen=True)
class RecordedRun:
    """Where a recorded run lives, as a caller reports it."""

    run_id: str
    experiment: str
    model_uri: str  # models:/<model_id>
    artifacts: str  # the artifact folder, relative to the workspace for the local store
    verdict: Verdict  # as its tags read back: what the answer reports


def check_train(workspace: Workspace, args: TrainArgs) -> tuple[Path, str | None, dict[str, Any]]:
    """Validate what can be checked before a process is started (model name, path). The params are
    checked by the estimator itself, first thing in the job: the server never imports the model
    libraries (scikit-learn alone is 80 MiB more for the whole life of the server)."""
    from mcp_server.ml.data.kinds.registry import kind_for
    from mcp_server.ml.fitting.kind_hint import resolve_kind
    from mcp_server.ml.modeling.catalog import get_spec

    path = workspace.resolve(args.data_path, must_exist=True)
    if args.model != "auto":
        get_spec(args.model)
    kind, options = resolve_kind(workspace, args.kind, args.kind_options, args.spec_id)
    kind_for(path, kind, options).check_size(path)  # too large to read: refused before a job
    return path, kind, options


def prepare_training(call: Call[TrainArgs]) -> Plan:
    """The capability's prepare step: where the fit runs (`where`), the checks, then the job's
    request (files into `call.folder`); the table's path is kept for the record."""
    from mcp_server.ml.fitting.training import TRAIN_STEPS
    from mcp_server.ml.fitting.where import fit_engine, local_note, partitioned_table

    args = call.request
    engine = fit_engine(call.workspace, args.spec_id)
    if partitioned_table(call.workspace, args.data_path, args.kind):
        return _cluster_plan(call, engine)
    path, kind, options = check_train(call.workspace, args)
    request = train_request(call.workspace, args, path, call.folder)
    request.kind, request.kind_options = kind, options
    request.notes = local_note(args.data_path, engine)
    return Plan(
        payload=request,
        budget_s=args.time_budget_s,
        steps=TRAIN_STEPS,
        what=f"training {args.model}",
        facts=path,
    )


def _cluster_plan(call: Call[TrainArgs], engine: str) -> Plan:
    """A partitioned dataset's fit on the cluster (`cluster_train.cluster_train_job`)."""
    from mcp_server.ml.data.partitioned import fingerprint
    from mcp_server.ml.fitting.cluster_train import ClusterTrainRequest, cluster_train_job
    from mcp_server.ml.fitting.training import TRAIN_STEPS
    from mcp_server.ml.fitting.where import cluster_dataset, cluster_model, spec_group

    args = call.request
    dataset = cluster_dataset(call.workspace, args.data_path, engine)
    model = cluster_model(args.model, args.task)
    request = ClusterTrainRequest(
        files=[str(f) for f in dataset.files],
        fingerprint=fingerprint(dataset),
        target=args.target,
        model=model,
        staging=str(call.folder),
        engine=engine,
        params=args.params,
        task=args.task,
        test_size=args.test_size,
        seed=args.seed,
        drop=list(args.drop),
        group=spec_group(call.workspace, args.spec_id),
    )
    what = f"training {model} on {engine}"
    return Plan(request, args.time_budget_s, TRAIN_STEPS, what, args.data_path, cluster_train_job)


def train_request(workspace: Workspace, args: TrainArgs, path: Path, staging: Path) -> TrainRequest:
    from mcp_server.ml.fitting.where import spec_group

    return TrainRequest(
        data_path=str(path),
        target=args.target,
        model=args.model,
        staging=str(staging),
        params=args.params,
        task=args.task,
        test_size=args.test_size,
        seed=args.seed,
        drop=list(args.drop),
        cache=str(workspace.ensure_dir(layout.SCHEMA_CACHE)),
        group_column=spec_group(workspace, args.spec_id),
    )


def record_training(
    call: Call[TrainArgs], outcome: TrainOutcome, verdict: Verdict | None
) -> Recorded:
    """The capability's record step: the fit's one run."""
    from mcp_server.ml.tracking.runs import get_store

    data_rel = data_relative(call)
    record = train_record(call.request, data_rel, outcome, call.folder, call.started_ms, verdict)
    written = get_store(call.workspace).write(record)
    return Recorded([written.run_id], written=written)


def train_record(
    args: TrainArgs,
    data_rel: str,
    outcome: TrainOutcome,
    folder: Path,
    started_ms: int,
    verdict: Verdict | None = None,
) -> RunRecord:
    """The run of one fit: its request as params, holdout metrics and costs, the data and model
    tags, the holdout split and the verdict (kept without SPEC gates)."""
    return RunRecord(
        experiment=tags.experiment_name(args.spec_id, args.experiment),
        run_name=f"{outcome.model}-{time.strftime('%Y%m%d-%H%M%S')}",
        kind="train",
        params=_params(args, outcome),
        metrics=_metrics(outcome),
        tags=_tags(args, data_rel, outcome),
        artifacts={
            tags.MOAI_DIR: folder / tags.MOAI_DIR,
            tags.PLOTS: folder / tags.PLOTS,
            tags.SPLIT: split_file(folder),
        },
        model_dir=folder / tags.MODEL_DIR,
        model_params=outcome.estimator_params,
        start_ms=started_ms,
        trackers=args.trackers,
        verdict=verdict or Verdict(None, True),
    )


def _params(args: TrainArgs, outcome: TrainOutcome) -> dict[str, Any]:
    return {
        "model": outcome.model,
        "task": outcome.task,
        "target": args.target,
        "test_size": args.test_size,
        "seed": args.seed,
        "time_budget_s": args.time_budget_s,
        "drop": args.drop,
        "user_params": args.params,
        **{f"model.{k}": v for k, v in outcome.estimator_params.items()},
    }


def _metrics(outcome: TrainOutcome) -> dict[str, float | None]:
    return {
        **{tags.holdout(k): v for k, v in outcome.metrics.items()},
        tags.FIT_TIME_S: outcome.fit_time_s,
        tags.LATENCY_MS: outcome.latency_ms,
        tags.MODEL_SIZE_MB: outcome.model_size_mb,
        tags.TRAIN_ROWS: outcome.train_rows,
        tags.TEST_ROWS: outcome.test_rows,
    }


def _tags(args: TrainArgs, data_rel: str, outcome: TrainOutcome) -> dict[str, Any]:
    return {
        tags.SPEC_ID: args.spec_id,
        tags.DATA_PATH: data_rel,
        tags.DATA_SHA256: outcome.sha256,
        tags.DATA_KIND: outcome.data_kind,
        tags.ROWS: outcome.rows,
        tags.COLUMNS: outcome.columns,
        tags.TARGET: args.target,
        tags.TASK: outcome.task,
        tags.MODEL: outcome.model,
        tags.N_FEATURES: len(outcome.schema["features"]),
        tags.PARAMS: args.params,
        tags.SEED: args.seed,
        tags.RAN_ON: outcome.ran_on,
        tags.TARGET_PRIOR: outcome.target_prior or None,
        **tags.holdout_split(args.seed, args.test_size),
    }


def data_relative(call: Call[Any]) -> str:
    """The dataset as the run names it: the table's path, or a partitioned dataset's reference
    (a folder or a glob) as the caller gave it."""
    facts = call.facts
    return facts if isinstance(facts, str) else call.workspace.relative(facts)


def recorded(workspace: Workspace, store: RunStore, written: Written) -> RecordedRun:
    """The run's experiment, logged model, artifact folder and verdict, as the store wrote them
    (`MlflowStore.write`: no second read)."""
    from mcp_server.ml.tracking.locations import local_path

    artifacts = written.artifact_uri
    if store.is_local and artifacts.startswith("file:"):
        folder = local_path(artifacts)
        artifacts = workspace.relative(folder) if folder is not None else artifacts
    model_uri = f"models:/{written.model_id or ''}"
    return RecordedRun(written.run_id, written.experiment, model_uri, artifacts, written.verdict)
