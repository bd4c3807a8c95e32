"""`ml_evaluate` in the domain: the evaluation capability's prepare and record steps, what the
job needs from the run store and where its results go.

The evaluation runs in a job process (`evaluation.evaluate_job`). Before it, the run's model,
schema, seed, params and holdout split are read from the store; after it, plots and a JSON
report land in the workspace (`.moai/ml/reports/<run_id>/<evaluation>/`) and on the run itself
(artifacts under `evaluations/<evaluation>/`, CV metrics), recorded like every run is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core import layout
from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.capability import Call, Plan, Recorded
from mcp_server.ml.fitting.evaluation import EvaluateOutcome, EvaluateRequest
from mcp_server.ml.fitting.requests import EvaluateArgs
from mcp_server.ml.tracking import tags
from mcp_server.ml.tracking.store import RunRecord
from mcp_server.ml.tracking.verdict import Verdict

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.tracking.runs import RunStore, RunView


@dataclass(frozen=True)
class Evaluating:
    """What prepare learned: the request with its run reference resolved, the evaluation's
    name."""

    args: EvaluateArgs
    name: str
    verdict: Verdict  # the evaluated run's, read once in prepare: what comes next depends on it
    spec_id: str | None


def prepare_evaluating(call: Call[EvaluateArgs]) -> Plan:
    """The capability's prepare step: `models:/` references resolved, the model's signature
    checked, everything the job needs read from the run store."""
    from mcp_server.ml.fitting.cluster_evaluate import cluster_plan
    from mcp_server.ml.fitting.evaluation import EVAL_STEPS
    from mcp_server.ml.tracking.model_registry import resolve_run_id
    from mcp_server.ml.tracking.runs import get_store

    store = get_store(call.workspace)
    args = replace(call.request, run_id=resolve_run_id(store, call.request.run_id))
    run = store.get_run(args.run_id)
    clustered = cluster_plan(call.workspace, store, args, call.folder, run)
    if clustered is not None:  # partitions: scored on the Dask cluster
        plan, sha = clustered
        name = evaluation_name(args.data_path, sha)
        return replace(plan, facts=Evaluating(args, name, run.verdict, run.spec_id))
    request, name = prepare_evaluation(call.workspace, store, args, call.folder, run)
    return Plan(
        payload=request,
        budget_s=args.time_budget_s,
        steps=EVAL_STEPS + 1,
        what="the evaluation",
        facts=Evaluating(args, name, run.verdict, run.spec_id),
    )


def record_evaluation(
    call: Call[EvaluateArgs], outcome: EvaluateOutcome, verdict: Verdict | None
) -> Recorded:
    """The capability's record step: the report into the workspace and onto the evaluated run;
    [that run's id]."""
    from mcp_server.ml.tracking.runs import get_store

    facts: Evaluating = call.facts
    store = get_store(call.workspace)
    save_evaluation(call.workspace, store, facts.args, outcome, call.folder, facts.name)
    return Recorded([facts.args.run_id])


def report_base(run_id: str, name: str) -> str:
    """The evaluation's report folder, relative to the workspace."""
    return layout.report_dir(run_id, name).as_posix()


def evaluation_name(data_path: str | None, sha: str | None) -> str:
    if data_path is None:
        return "holdout"
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in Path(data_path).stem)[:40]
    return f"data-{stem}-{(sha or '')[:8]}"


def _rows(
    workspace: Workspace, store: RunStore, args: EvaluateArgs, run: Any, folder: Path
) -> tuple[Path, str | None]:
    """The table to score and, for the run's own holdout, the file of its row positions."""
    if args.data_path is not None:
        return workspace.resolve(args.data_path, must_exist=True), None
    trained_on = run.tag(tags.DATA_PATH)
    # a table is a file, an image folder a folder: the job reads either through its kind
    if not trained_on or not workspace.resolve(trained_on).exists():
        raise MoaiMlError(
            f"the table the run was trained on ({trained_on!r}) is gone; pass data_path"
        )
    try:
        holdout = str(store.artifact_file(run, f"{tags.SPLIT}/{tags.HOLDOUT_INDEX}", folder))
    except MoaiMlError as exc:
        raise MoaiMlError(
            f"run {args.run_id!r} recorded no holdout split; pass data_path with labelled rows "
            "the model was not trained on"
        ) from exc
    return workspace.resolve(trained_on), holdout


def _kind(
    workspace: Workspace, args: EvaluateArgs, spec_id: str | None
) -> tuple[str | None, dict[str, Any]]:
    """The kind of data the caller or the run's SPEC names, with its options."""
    from mcp_server.ml.fitting.kind_hint import resolve_kind

    return resolve_kind(workspace, args.kind, args.kind_options, spec_id or None)


def _trained_rows(workspace: Workspace, store: RunStore, run: Any, folder: Path) -> dict[str, Any]:
    """The run's training table and holdout file, when the table is still there (for the overlap
    warning); a run that recorded no holdout (a tune without a SPEC) was fitted on every row."""
    from mcp_server.ml.data.tables import file_sha256

    trained_on = run.tag(tags.DATA_PATH)
    try:
        path = workspace.resolve(trained_on) if trained_on else None
        if path is None or not path.is_file() or file_sha256(path) != run.tag(tags.DATA_SHA256):
            return {}
    except MoaiMlError:
        return {}
    try:
        holdout = str(store.artifact_file(run, f"{tags.SPLIT}/{tags.HOLDOUT_INDEX}", folder))
    except MoaiMlError:
        return {"trained_on": str(path), "trained_holdout": None}
    return {"trained_on": str(path), "trained_holdout": holdout}


def prepare_evaluation(
    workspace: Workspace, store: RunStore, args: EvaluateArgs, folder: Path, run: RunView
) -> tuple[EvaluateRequest, str]:
    """The job's request (everything it needs from the run store) and the evaluation's name."""
    from mcp_server.ml.data.tables import check_loadable, file_sha256
    from mcp_server.safety.signing import require_signed

    run_tags = run.tags
    moai = store.moai_dir(args.run_id)
    require_signed(
        moai / tags.MODEL_FILE,
        folder=moai,
        what=f"run {args.run_id}'s model",
        trusted=args.trusted,
        run_id=args.run_id,
    )
    schema = json.loads((moai / tags.SCHEMA_FILE).read_text(encoding="utf-8"))
    path, holdout = _rows(workspace, store, args, run, folder)
    check_loadable(path)
    sha = file_sha256(path) if args.data_path else None
    request = EvaluateRequest(
        model_path=str(moai / tags.MODEL_FILE),
        schema=schema,
        data_path=str(path),
        staging=str(folder / "plots"),
        model=run_tags.get(tags.MODEL, ""),
        params=json.loads(run_tags.get(tags.PARAMS, "{}") or "{}"),
        holdout_index=holdout,
        expected_sha256=run_tags.get(tags.DATA_SHA256),
        cv_folds=args.cv_folds,
        seed=int(run_tags.get(tags.SEED, "42")),
        plots=True,
        cache=str(workspace.ensure_dir(layout.SCHEMA_CACHE)),
        trusted=args.trusted,
        target_prior=json.loads(run_tags.get(tags.TARGET_PRIOR, "{}") or "{}"),
        **_trained_rows(workspace, store, run, folder) if args.data_path else {},
    )
    request.kind, request.kind_options = _kind(workspace, args, run_tags.get(tags.SPEC_ID))
    return request, evaluation_name(args.data_path, sha)


def save_evaluation(
    workspace: Workspace,
    store: RunStore,
    args: EvaluateArgs,
    outcome: EvaluateOutcome,
    folder: Path,
    name: str,
) -> str:
    """Plots and the report into the workspace, then onto the run; returns the report folder."""
    base = report_base(args.run_id, name)
    report = {
        "run_id": args.run_id,
        "evaluated_on": name,
        "rows": outcome.rows,
        "metrics": outcome.metrics,
        "confusion_matrix": outcome.confusion,
        "labels": outcome.labels,
        "cv_folds": args.cv_folds,
        "cv": outcome.cv,
        "importance_method": outcome.importance_method,
        "importance": outcome.importance,
    }
    files: dict[str, bytes | str] = {
        f"{base}/{f}": (folder / "plots" / f).read_bytes() for f in outcome.plots.values()
    }
    files[f"{base}/evaluation.json"] = json.dumps(report, indent=1, default=str)
    workspace.write_files(files)
    upload = workspace.ensure_dir(folder / "upload")
    for rel, content in files.items():
        (upload / Path(rel).name).write_bytes(
            content if isinstance(content, bytes) else content.encode()
        )
    cv = {
        tags.cv(m, stat): score[stat]
        for m, score in (outcome.cv or {}).items()
        for stat in tags.CV_STATS
    }
    store.record(
        RunRecord(
            experiment="",
            run_name="",
            kind="",
            run_id=args.run_id,
            artifacts={f"{tags.EVALUATIONS}/{name}": upload},
            metrics=cv,
            tags={tags.CV_FOLDS: str(args.cv_folds)} if outcome.cv else {},
        )
    )
    return base
