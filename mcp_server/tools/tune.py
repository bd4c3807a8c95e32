"""`ml_tune`: hyperparameter search and AutoML within a time budget; the winner is refitted on every
row and recorded as a normal run (exportable, servable, evaluable)."""

from __future__ import annotations

import base64
import re
import shlex
import time
from pathlib import Path
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, ImageContent, TextContent
from pydantic import BaseModel, Field

from mcp_server.core.errors import MoaiMlError
from mcp_server.core.layout import SCHEMA_CACHE
from mcp_server.files.workspace import Workspace
from mcp_server.ml.modeling import catalog
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
    Families,
    Family,
    Metric,
    RejectedReason,
    Seed,
    SpecId,
    Target,
    Task,
)

STUDY = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
# The job's own search stops at the budget; this only kills a fit that cannot be interrupted.
KILL_FACTOR, KILL_EXTRA_S = 2.0, 300.0
PLOTS = ("optimization_history.png", "param_importances.png")


class Trial(BaseModel):
    number: int = Field(description="Trial number in the study")
    model: str | None = Field(description="Registry model family")
    value: float | None = Field(description="Mean CV score of the metric")
    std: float | None = Field(description="Its standard deviation over the folds")
    fit_s: float | None = Field(description="Mean fit time of one fold, seconds")
    params: str = Field(description="Sampled parameters (JSON)")


class Member(BaseModel):
    model: str = Field(description="Registry model family")
    params: dict[str, Any] = Field(description="Its parameters")
    weight: int = Field(description="Its weight in the soft vote (1 for a single model)")
    trial: int = Field(description="The trial it comes from")


class TuneResult(BaseModel):
    run_id: str = Field(
        description="MLflow run of the refitted winner; pass it to ml_evaluate, ml_export, serving"
    )
    experiment: str = Field(description="MLflow experiment of the run")
    task: Literal["binary", "multiclass", "regression"] = Field(
        description="Task inferred or given"
    )
    metric: str = Field(description="The metric searched")
    higher_is_better: bool = Field(description="Its direction")
    strategy: str = Field(description="Search strategy used")
    best_model: str = Field(description="Winning family, or 'ensemble' (soft vote of members)")
    best_params: dict[str, Any] = Field(
        description="Parameters of the winning single model (empty for an ensemble)"
    )
    members: list[Member] = Field(
        description="What was refitted: one member, or the ensemble's members"
    )
    best_cv: float = Field(description="Mean CV score of the winner")
    best_cv_std: float = Field(description="Its standard deviation over the folds")
    trials_done: int = Field(description="Finished trials in the study")
    trials_pruned: int = Field(
        description="Trials stopped early (pruned across folds, or by the budget)"
    )
    trials_failed: int = Field(description="Trials that raised an error")
    trials_this_call: int = Field(
        description="Trials this call added to the study (workers add theirs)"
    )
    leaderboard: list[Trial] = Field(description="The best finished trials (up to 10)")
    param_importances: dict[str, float] = Field(
        description="Importance of the winning family's parameters (random-forest impurity over "
        "the "
        "trials)"
    )
    study_name: str = Field(description="Optuna study; workers join it with moai-ml tune-worker")
    storage: str = Field(description="Where the study lives (password hidden)")
    dashboard: str = Field(
        description="Command that opens the study in optuna-dashboard (the tune extra has it)"
    )
    search_s: float = Field(description="Wall time of the search")
    refit_s: float = Field(description="Wall time of the refit on every row")
    rows: int = Field(description="Rows in the table")
    warnings: list[str] = Field(description="Things to know about the data")
    artifacts: str = Field(description="Run artifacts: trials/trials.csv, plots/*.png, the model")
    gates_passed: bool | None = Field(
        description="Best CV met the SPEC's gates (spec_id with a SPEC file); null: none"
    )
    rejected_reason: RejectedReason


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
    from mcp_server.ml.tuning.storage import check_reachable, default_url

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
    args["storage_url"] = args["storage"] or default_url(workspace.root)
    check_reachable(args["storage_url"])
    return path


def _record(
    workspace: Workspace, args: dict[str, Any], out: Any, folder: Path, started_ms: int
) -> list[str]:
    from mcp_server.ml.tdd.gates import cv_verdict
    from mcp_server.ml.tracking.children import record_with_children
    from mcp_server.ml.tracking.store import RunRecord
    from mcp_server.ml.tracking.tags import PREFIX as TAG
    from mcp_server.ml.tuning.report import child_runs, read_table
    from mcp_server.ml.tuning.storage import redact

    m = out.metric
    params = {
        "strategy": args["strategy"],
        "models": [x["model"] for x in out.members],
        "metric": m,
        "cv_folds": args["cv_folds"],
        "seed": args["seed"],
        "time_budget_s": args["time_budget_s"],
        "n_trials": args["n_trials"],
        "study_name": args["study_name"],
        **{f"model.{k}": v for k, v in out.estimator_params.items()},
    }
    record = RunRecord(
        experiment=args["experiment"]
        or (f"SPEC-{args['spec_id']}" if args["spec_id"] else "moai-ml"),
        run_name=f"tune-{out.best_model}-{time.strftime('%Y%m%d-%H%M%S')}",
        kind="tune",
        params=params,
        metrics={
            f"cv_{m}_mean": out.cv_mean,
            f"cv_{m}_std": out.cv_std,
            "trials_complete": out.counts["complete"],
            "trials_pruned": out.counts["pruned"],
            "trials_failed": out.counts["fail"],
            "search_s": out.search_s,
            "refit_s": out.refit_s,
        },
        tags={
            f"{TAG}spec_id": args["spec_id"],
            f"{TAG}data_path": args["rel"],
            f"{TAG}data_sha256": out.sha256,
            f"{TAG}rows": out.rows,
            f"{TAG}columns": out.columns,
            f"{TAG}target": args["target"],
            f"{TAG}task": out.task,
            f"{TAG}model": out.best_model,
            f"{TAG}params": out.best_params,
            f"{TAG}n_features": len(out.schema["features"]),
            f"{TAG}seed": args["seed"],
            f"{TAG}study": args["study_name"],
            f"{TAG}storage": redact(args["storage_url"]),
            f"{TAG}cv_folds": args["cv_folds"],
            **cv_verdict(workspace, args["spec_id"], out.metric, out.cv_mean),
        },
        artifacts={"moai": folder / "moai", "plots": folder / "plots", "trials": folder / "trials"},
        model_dir=folder / "model",
        model_params=out.estimator_params,
        start_ms=started_ms,
    )
    # every evaluated trial as a child run (params, CV score, state); the table stays on the parent
    return record_with_children(
        run_store(workspace), record, child_runs(read_table(folder / "trials/trials.csv"), m)
    )


def _result(workspace: Workspace, args: dict[str, Any], out: Any, run_id: str) -> TuneResult:
    from mcp_server.ml.tracking.locations import local_path
    from mcp_server.ml.tracking.tags import GATES_PASSED, REJECTED_REASON
    from mcp_server.ml.tuning.storage import normalise_url, redact

    track = run_store(workspace)
    run = track.get_run(run_id)
    artifacts = run.info.artifact_uri or ""
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
        gates_passed=None
        if GATES_PASSED not in run.data.tags
        else run.data.tags[GATES_PASSED] == "true",
        rejected_reason=run.data.tags.get(REJECTED_REASON),
    )


async def tune_tool(
    workspace: Workspace, args: dict[str, Any], ctx: Context | None
) -> CallToolResult:
    from mcp_server.ml.tuning.job import STEPS, TuneRequest, tune_job

    started = time.time()
    path = await run_domain(_check, workspace, args)
    args["rel"] = workspace.relative(path)
    args["study_name"] = args[
        "study_name"
    ] or f"tune-{re.sub(r'[^A-Za-z0-9_-]', '_', path.stem)[:40]}-" + time.strftime("%Y%m%d-%H%M%S")
    with staging(workspace) as folder:
        request = TuneRequest(
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
            cache=str(workspace.root / SCHEMA_CACHE),
        )
        kill_s = args["time_budget_s"] * KILL_FACTOR + KILL_EXTRA_S
        out = await run_job_tool(
            tune_job, request, ctx=ctx, total=STEPS, budget_s=kill_s, what="the search"
        )
        ids = await record_runs(
            lambda: _record(workspace, args, out, folder, int(started * 1000)),
            run_store(workspace).delete_runs,
        )
        images = [
            ImageContent(
                type="image",
                mime_type="image/png",
                data=base64.b64encode((folder / "plots" / name).read_bytes()).decode(),
            )
            for name in PLOTS
            if (folder / "plots" / name).is_file()
        ]
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


# ml_tune's own arguments
Strategy = Annotated[
    Literal["auto", "grid", "random", "optuna", "hyperopt"],
    Field(
        description="auto: AutoML "
        "(portfolio, TPE with pruning, ensemble if it wins on CV); optuna and hyperopt: TPE"
    ),
]
SearchSpace = Annotated[
    dict[Family, dict[str, Any]] | None,
    Field(
        description=f"Per model: {catalog.space_example()} (a range); a list = choices, "
        "a scalar = fixed"
    ),
]
Storage = Annotated[
    str | None,
    Field(
        min_length=3,
        max_length=2048,
        description="Study storage URL (postgresql://... to share with moai-ml tune-worker); "
        "default "
        "SQLite",
    ),
]


def register(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=CREATES_RUNS, title="Tune hyperparameters / AutoML")
    @long_running(workspace, estimate=_estimate)
    async def ml_tune(
        data_path: DataPath,
        target: Target,
        strategy: Strategy = "auto",
        models: Annotated[
            Families | None,
            Field(
                description="Registry families to search (default: linear, tree ensembles, "
                "boosters "
                "installed)"
            ),
        ] = None,
        search_space: SearchSpace = None,
        metric: Metric = None,
        time_budget_s: Annotated[
            float, Field(ge=1, le=86400, description="Search budget, s (the refit comes after)")
        ] = 300,
        n_trials: Annotated[
            int | None, Field(ge=1, le=100000, description="Stop after this many trials")
        ] = None,
        cv_folds: CvFolds = 5,
        task: Task = "auto",
        seed: Seed = 42,
        drop: Drop = [],  # noqa: B006 - pydantic copies defaults
        storage: Storage = None,
        study_name: Annotated[
            str | None, Field(pattern=STUDY, description="Optuna study to create or join")
        ] = None,
        spec_id: SpecId = None,
        experiment: Experiment = None,
        ctx: Context | None = None,
    ) -> Annotated[CallToolResult, TuneResult]:
        """Search hyperparameters by k-fold cross-validation within a time budget and refit the
        winner on
        every row as a normal MLflow run (ml_evaluate it on a holdout table, ml_export it, serve
        it).
        strategy auto is AutoML: family defaults and a small portfolio first, then Bayesian search
        (TPE)
        over the leading families with pruning across folds, then greedy ensemble selection (a
        soft-voting
        ensemble) when it beats the best single model on CV. Boosters stop early. Returns best
        params, best
        CV ± std, trials done/pruned/failed, a leaderboard, and optimisation-history and
        parameter-importance
        plots (PNG on the run, shown as images). The study lives in storage; more processes can join
        it with
        `moai-ml tune-worker --study NAME --storage URL`."""
        args = {
            "data_path": data_path,
            "target": target,
            "strategy": strategy,
            "models": list(models) if models else None,
            "search_space": dict(search_space or {}),
            "metric": metric,
            "time_budget_s": time_budget_s,
            "n_trials": n_trials,
            "cv_folds": cv_folds,
            "task": task,
            "seed": seed,
            "drop": list(drop),
            "storage": storage,
            "study_name": study_name,
            "spec_id": spec_id,
            "experiment": experiment,
        }
        return await tune_tool(workspace, args, ctx)
