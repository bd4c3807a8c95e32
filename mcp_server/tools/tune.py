"""`ml_tune`: hyperparameter search and AutoML within a time budget, driven by the lifecycle
driver (`ml/tuning/tune_run.py` prepares and records); the winner is recorded as a normal run
(exportable, servable, evaluable). With `spec_path` the SPEC's holdout stays out of the search
and judges the winner."""

from __future__ import annotations

import base64
import shlex
from pathlib import Path
from typing import Annotated, Any, cast

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, ImageContent, TextContent

from mcp_server.core.errors import MoaiMlError
from mcp_server.core.names import Task as TaskName
from mcp_server.files.workspace import Workspace
from mcp_server.ml.capability import Call, Capability, Recorded
from mcp_server.ml.tracking.verdict import Verdict
from mcp_server.ml.tuning.job import TuneOutcome, tune_job
from mcp_server.ml.tuning.record import record_tune_run
from mcp_server.ml.tuning.tune_run import (
    TuneArgs,
    check_tune,
    prepare_tune,
    with_spec,
)
from mcp_server.tools._background import long_running
from mcp_server.tools._common import CREATES_RUNS, run_store
from mcp_server.tools._estimates import Refused, tune_estimate
from mcp_server.tools._lifecycle import drive, judge_against_spec
from mcp_server.tools.args import (
    CvFolds,
    DataKindName,
    Drop,
    Experiment,
    KindOptions,
    Metric,
    OptionalDataPath,
    OptionalTarget,
    Seed,
    SpecId,
    SpecRef,
    Task,
)
from mcp_server.tools.tune_models import (
    GateRow,
    Member,
    Models,
    SearchSpace,
    Storage,
    Strategy,
    StudyName,
    TimeBudget,
    Trial,
    TrialLimit,
    TuneResult,
)

PLOTS = ("optimization_history.png", "param_importances.png")


def _images(folder: Path) -> list[ImageContent]:
    """The search's plots, shown to the client as images."""
    return [
        ImageContent(
            type="image",
            mime_type="image/png",
            data=base64.b64encode((folder / "plots" / name).read_bytes()).decode(),
        )
        for name in PLOTS
        if (folder / "plots" / name).is_file()
    ]


def _judge(call: Call[TuneArgs], out: TuneOutcome) -> Verdict:
    """With the SPEC's holdout: the refitted winner's holdout metrics against its gates, as
    `ml_train` is judged; without: the best CV against the gates of `spec_id`'s SPEC."""
    from mcp_server.ml.tdd.gates import cv_verdict

    if out.holdout_metrics is not None:
        return judge_against_spec(
            call.workspace, call.request.spec_id, out.holdout_metrics, None, None
        )
    return cv_verdict(call.workspace, call.request.spec_id, out.metric, out.cv_mean)


def _answer(call: Call[TuneArgs], out: TuneOutcome, recorded: Recorded) -> CallToolResult:
    result = tune_result(call, out, recorded.run_ids[0])
    text = TextContent(type="text", text=result.model_dump_json())
    return CallToolResult(
        content=[text, *_images(call.folder)], structured_content=result.model_dump(mode="json")
    )


def tune_result(call: Call[TuneArgs], out: TuneOutcome, run_id: str) -> TuneResult:
    from mcp_server.ml.tracking.locations import local_path
    from mcp_server.ml.tuning.advice import gate_checks, next_step, verdict_text
    from mcp_server.ml.tuning.storage import normalise_url, redact

    workspace, args, facts = call.workspace, call.request, call.facts
    track = run_store(workspace)
    run = track.get_run(run_id)
    artifacts = run.artifact_uri
    folder = local_path(artifacts) if track.is_local and artifacts.startswith("file:") else None
    url = redact(facts.storage_url)
    spec = facts.spec
    return TuneResult(
        run_id=run_id,
        experiment=track.experiment_name(run),
        task=cast(TaskName, out.task),
        metric=out.metric,
        higher_is_better=out.higher_is_better,
        strategy=args.strategy,
        best_model=out.best_model,
        best_params=out.best_params,
        members=[Member(**m) for m in out.members],
        best_cv=out.cv_mean,
        best_cv_std=out.cv_std,
        trials_done=out.counts["complete"],
        trials_pruned=out.counts["pruned"],
        trials_failed=out.counts["fail"],
        trials_this_call=out.trials_here,
        leaderboard=[Trial(**t) for t in out.leaderboard],
        param_importances=out.importances,
        study_name=facts.study_name,
        storage=url,
        search_s=out.search_s,
        dashboard=f"optuna-dashboard {shlex.quote(redact(normalise_url(facts.storage_url)))}",
        refit_s=out.refit_s,
        rows=out.rows,
        train_rows=out.train_rows,
        holdout_metrics=out.holdout_metrics,
        gates=[_gate_row(g) for g in gate_checks(spec, out)] if spec else [],
        warnings=out.warnings,
        ran_on=out.ran_on,
        artifacts=workspace.relative(folder) if folder is not None else artifacts,
        gates_passed=run.verdict.gates_passed,
        rejected_reason=run.verdict.reason,
        verdict=verdict_text(spec, out, run.verdict),
        next_step=next_step(spec, args, out, run.verdict, run_id),
    )


def _gate_row(check: Any) -> GateRow:
    """A gate for the answer (its CV is the answer's best_cv ± best_cv_std, for the searched
    metric)."""
    return GateRow(metric=check.metric, needs=check.needs, holdout=check.holdout, met=check.met)


TUNING = Capability(
    name="tuning",
    prepare=prepare_tune,
    execute=tune_job,
    judge=_judge,
    record=record_tune_run,
    answer=_answer,
)


def _estimate(workspace: Workspace, raw: dict[str, Any]) -> float:
    """The search's duration, after the checks a job would otherwise only fail on later."""
    try:
        args, _ = with_spec(workspace, _typed(raw))
        check_tune(workspace, args)
    except MoaiMlError as exc:
        raise Refused(str(exc)) from exc
    return tune_estimate(workspace, {**raw, **vars(args)})


def _typed(raw: dict[str, Any]) -> TuneArgs:
    """The call's arguments by name as the typed request."""
    return TuneArgs(
        **{
            **raw,
            "models": list(raw["models"]) if raw.get("models") else None,
            "search_space": dict(raw.get("search_space") or {}),
            "drop": list(raw.get("drop") or []),
            "kind_options": dict(raw.get("kind_options") or {}),
        }
    )


def register(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=CREATES_RUNS, title="Tune hyperparameters / AutoML")
    @long_running(workspace, estimate=_estimate)
    async def ml_tune(
        spec_path: SpecRef = None,
        data_path: OptionalDataPath = None,
        target: OptionalTarget = None,
        strategy: Strategy = "auto",
        models: Models = None,
        search_space: SearchSpace = None,
        metric: Metric = None,
        time_budget_s: TimeBudget = 300,
        n_trials: TrialLimit = None,
        cv_folds: CvFolds = 5,
        task: Task = "auto",
        seed: Seed = 42,
        drop: Drop = [],  # noqa: B006 - pydantic copies defaults
        kind: DataKindName = None,
        kind_options: KindOptions = None,
        storage: Storage = None,
        study_name: StudyName = None,
        spec_id: SpecId = None,
        experiment: Experiment = None,
        ctx: Context | None = None,
    ) -> Annotated[CallToolResult, TuneResult]:
        """Search hyperparameters by k-fold cross-validation within a time budget and record the
        winner as a normal MLflow run. With spec_path the SPEC gives data, target, metric and split:
        only its training rows are searched, the winner is judged on its holdout against each gate,
        and next_step says REFACTOR or the SPEC owner's call. Without, the winner is refitted on
        every row; a time series (kind 'timeseries' and its kind_options) is searched on
        rolling-origin folds ranked by MASE, as with a SPEC. strategy auto is AutoML: family
        defaults and a small portfolio first, then Bayesian search (TPE) over the leading families
        with pruning across folds, then greedy ensemble selection (a soft-voting ensemble) when it
        beats the best single model on CV. Boosters stop early. Returns best params, best CV ± std,
        trials done/pruned/failed, a leaderboard, and optimisation-history and parameter-importance
        plots (shown as images). The study lives in storage; more processes can join it with
        `moai-ml tune-worker --study NAME --storage URL`."""
        # the call's arguments by name (locals() also holds the closure's `workspace`)
        raw = {k: v for k, v in locals().items() if k not in ("ctx", "workspace")}
        return await drive(TUNING, workspace, _typed(raw), ctx)
