"""`ml_tune`: hyperparameter search and AutoML within a time budget; the winner is refitted on every
row and recorded as a normal run (exportable, servable, evaluable)."""

from __future__ import annotations

import base64
import re
import shlex
import time
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, ImageContent, TextContent

from mcp_server.core.errors import MoaiMlError
from mcp_server.core.layout import SCHEMA_CACHE
from mcp_server.files.workspace import Workspace
from mcp_server.tools._background import long_running
from mcp_server.tools._common import (
    CREATES_RUNS,
    record_runs,
    run_domain,
    run_job_tool,
    run_store,
    staging,
)
from mcp_server.tools._estimates import Refused, tune_estimate
from mcp_server.tools.args import (
    CvFolds,
    DataPath,
    Drop,
    Experiment,
    Metric,
    Seed,
    SpecId,
    Target,
    Task,
)
from mcp_server.tools.tune_models import (
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

# The job's own search stops at the budget; a fit it cannot interrupt (one endless trial, the
# refit of the winner) is killed at the budget plus a grace: a minute, or a quarter of the budget.
KILL_GRACE_S, KILL_GRACE_SHARE = 60.0, 0.25
PLOTS = ("optimization_history.png", "param_importances.png")


def kill_after_s(budget_s: float) -> float:
    """When a search is killed, inline or as a background job: its budget plus the grace."""
    return budget_s + max(KILL_GRACE_S, budget_s * KILL_GRACE_SHARE)


def _known_parameters(model: str, space: dict[str, Any], task: str) -> None:
    """Refuse a parameter the model takes for no task (the task is not known yet when it is
    'auto')."""
    from mcp_server.ml.tuning.spaces import model_space

    problems: list[str] = []
    for candidate in ("binary", "regression") if task == "auto" else (task,):
        try:
            model_space(model, candidate, space)
            return
        except Exception as exc:  # a family that does not fit this task fails here too
            problems.append(str(exc))
    named = [p for p in problems if "does not take" in p]
    if named:
        raise MoaiMlError(named[0])


def _check(workspace: Workspace, args: dict[str, Any]) -> Path:
    """Everything checkable before a process starts: path, names, spaces, metric, storage."""
    from mcp_server.ml.modeling.catalog import get_spec
    from mcp_server.ml.modeling.metrics_spec import get_metric
    from mcp_server.ml.tuning.spaces import normalise
    from mcp_server.ml.tuning.storage import check_reachable, study_url

    path = workspace.resolve(args["data_path"], must_exist=True)
    for name in args["models"] or []:
        get_spec(name)
    for model, space in args["search_space"].items():
        get_spec(model)
        if not isinstance(space, dict) or (not space and args["strategy"] != "auto"):
            raise MoaiMlError(
                f"search_space[{model!r}] is empty; give parameter ranges, choices or values"
            )
        for param, spec in space.items():
            normalise(model, param, spec)
        _known_parameters(model, space, args["task"])
    if args["metric"]:
        get_metric(args["metric"], None if args["task"] == "auto" else args["task"])
    if args["strategy"] == "hyperopt":
        try:
            import hyperopt  # noqa: F401
        except ImportError:
            raise MoaiMlError(
                "strategy 'hyperopt' needs the 'tune' extra: pip install 'moai-domain-ml[tune]'"
            ) from None
    args["storage_url"] = study_url(workspace, args["storage"])
    check_reachable(args["storage_url"])
    return path


def _record(
    workspace: Workspace, args: dict[str, Any], out: Any, folder: Path, started_ms: int
) -> list[str]:
    """The tune's run and its trials, judged by the best CV against the SPEC's gates."""
    from mcp_server.ml.tdd.gates import cv_verdict
    from mcp_server.ml.tuning.record import TuneCall, record_tune
    from mcp_server.ml.tuning.storage import redact

    call = TuneCall(
        data_rel=args["rel"],
        target=args["target"],
        strategy=args["strategy"],
        cv_folds=args["cv_folds"],
        seed=args["seed"],
        time_budget_s=args["time_budget_s"],
        n_trials=args["n_trials"],
        study_name=args["study_name"],
        storage=redact(args["storage_url"]),
        spec_id=args["spec_id"],
        experiment=args["experiment"],
    )
    verdict = cv_verdict(workspace, args["spec_id"], out.metric, out.cv_mean)
    return record_tune(run_store(workspace), call, out, folder, started_ms, verdict)


def _result(workspace: Workspace, args: dict[str, Any], out: Any, run_id: str) -> TuneResult:
    from mcp_server.ml.tracking.locations import local_path
    from mcp_server.ml.tuning.storage import normalise_url, redact

    track = run_store(workspace)
    run = track.get_run(run_id)
    artifacts = run.artifact_uri
    folder = local_path(artifacts) if track.is_local and artifacts.startswith("file:") else None
    return TuneResult(
        run_id=run_id,
        experiment=track.experiment_name(run),
        task=out.task,
        metric=out.metric,
        higher_is_better=out.higher_is_better,
        strategy=args["strategy"],
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
        study_name=args["study_name"],
        storage=redact(args["storage_url"]),
        search_s=out.search_s,
        dashboard=f"optuna-dashboard {shlex.quote(redact(normalise_url(args['storage_url'])))}",
        refit_s=out.refit_s,
        rows=out.rows,
        warnings=out.warnings,
        artifacts=workspace.relative(folder) if folder is not None else artifacts,
        gates_passed=run.verdict.gates_passed,
        rejected_reason=run.verdict.reason,
    )


def _request(args: dict[str, Any], path: Path, folder: Path, started: float, cache: Path) -> Any:
    from mcp_server.ml.tuning.job import TuneRequest

    return TuneRequest(
        data_path=str(path),
        target=args["target"],
        staging=str(folder),
        storage=args["storage_url"],
        study_name=args["study_name"],
        started=started,
        time_budget_s=args["time_budget_s"],
        strategy=args["strategy"],
        models=args["models"],
        search_space=args["search_space"],
        metric=args["metric"],
        task=args["task"],
        drop=args["drop"],
        cv_folds=args["cv_folds"],
        seed=args["seed"],
        n_trials=args["n_trials"],
        cache=str(cache),
    )


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


def _study_name(given: str | None, path: Path) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", path.stem)[:40]
    return given or f"tune-{stem}-" + time.strftime("%Y%m%d-%H%M%S")


async def tune_tool(
    workspace: Workspace, args: dict[str, Any], ctx: Context | None
) -> CallToolResult:
    from mcp_server.ml.tuning.job import STEPS, tune_job

    started = time.time()
    path = await run_domain(_check, workspace, args)
    args["rel"] = workspace.relative(path)
    args["study_name"] = _study_name(args["study_name"], path)
    with staging(workspace) as folder:
        request = _request(args, path, folder, started, workspace.root / SCHEMA_CACHE)
        budget = args["time_budget_s"]
        grace = kill_after_s(budget) - budget
        what = f"the search (time_budget_s={budget:g} plus {grace:g} s of grace)"
        out = await run_job_tool(
            tune_job, request, ctx=ctx, total=STEPS, budget_s=kill_after_s(budget), what=what
        )
        ids = await record_runs(
            lambda: _record(workspace, args, out, folder, int(started * 1000)),
            run_store(workspace).delete_runs,
        )
        images = _images(folder)
    result = await run_domain(_result, workspace, args, out, ids[0])
    text = TextContent(type="text", text=result.model_dump_json())
    return CallToolResult(
        content=[text, *images], structured_content=result.model_dump(mode="json")
    )


def _estimate(workspace: Workspace, args: dict[str, Any]) -> float:
    """The search's duration, after the checks a job would otherwise only fail on later."""
    plain = {
        **args,
        "models": list(args.get("models") or []) or None,
        "search_space": dict(args.get("search_space") or {}),
    }
    try:
        _check(workspace, plain)
    except MoaiMlError as exc:
        raise Refused(str(exc)) from exc
    return tune_estimate(workspace, plain)


def register(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=CREATES_RUNS, title="Tune hyperparameters / AutoML")
    @long_running(workspace, estimate=_estimate)
    async def ml_tune(
        data_path: DataPath,
        target: Target,
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
        storage: Storage = None,
        study_name: StudyName = None,
        spec_id: SpecId = None,
        experiment: Experiment = None,
        ctx: Context | None = None,
    ) -> Annotated[CallToolResult, TuneResult]:
        """Search hyperparameters by k-fold cross-validation within a time budget and refit the
        winner on every row as a normal MLflow run (ml_evaluate it on a holdout table, ml_export
        it, serve it). strategy auto is AutoML: family defaults and a small portfolio first, then
        Bayesian search (TPE) over the leading families with pruning across folds, then greedy
        ensemble selection (a soft-voting ensemble) when it beats the best single model on CV.
        Boosters stop early. Returns best params, best CV ± std, trials done/pruned/failed, a
        leaderboard, and optimisation-history and parameter-importance plots (PNG on the run,
        shown as images). The study lives in storage; more processes can join it with
        `moai-ml tune-worker --study NAME --storage URL`."""
        # the call's arguments by name (locals() also holds the closure's `workspace`)
        args = {k: v for k, v in locals().items() if k not in ("ctx", "workspace")}
        args["models"] = list(models) if models else None
        args["search_space"] = dict(search_space or {})
        args["drop"] = list(drop)
        return await tune_tool(workspace, args, ctx)
