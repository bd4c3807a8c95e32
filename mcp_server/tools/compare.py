"""`ml_compare_models`: a cross-validated leaderboard of candidate models, tracked in MLflow."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from mcp_server import layout
from mcp_server.jobs import Job, JobTimeout
from mcp_server.tools._common import (
    CREATES_RUNS,
    record_runs,
    run_domain,
    run_job_tool,
    store_dir,
    tracker,
)
from mcp_server.tools.args import DataPath, Drop, Experiment, Seed, SpecId, Target, Task
from mcp_server.workspace import Workspace

GRACE_S = 1.0


class Entry(BaseModel):
    rank: int = Field(description="1 = best by the primary metric")
    model: str = Field(description="Registry model name")
    score: float | None = Field(description="Mean of the primary metric over the folds")
    std: float | None = Field(description="Its standard deviation over the folds")
    fit_time_s: float | None = Field(description="Mean fit time of one fold, seconds")
    metrics: dict[str, float | None] = Field(description="Means of the other CV metrics")
    run_id: str = Field(description="The candidate's MLflow run (nested under the compare run)")


class NotRanked(BaseModel):
    model: str = Field(description="Registry model name")
    status: Literal["failed", "skipped", "stopped"] = Field(description="Why it is not on the leaderboard")
    message: str = Field(description="What happened")


class CompareResult(BaseModel):
    run_id: str = Field(description="The parent MLflow run holding every candidate run")
    task: Literal["binary", "multiclass", "regression"] = Field(description="Task inferred or given")
    metric: str = Field(description="Primary metric the leaderboard is sorted by")
    higher_is_better: bool = Field(description="Sort direction of the metric")
    cv_folds: int = Field(description="Folds per candidate")
    rows: int = Field(description="Rows in the table")
    leaderboard: list[Entry] = Field(description="Ranked candidates that finished")
    not_ranked: list[NotRanked] = Field(description="Candidates that failed, were skipped or stopped by the budget")
    best_model: str | None = Field(description="The winner; train it with ml_train")
    elapsed_s: float = Field(description="Wall time of the comparison")


def _candidates(job: Job, outcome: Any, timed_out: bool) -> tuple[dict[str, Any], list[Any]]:
    """The setup event and the finished candidates (from the result, or from events if stopped)."""
    from mcp_server.ml.fitting.compare import Candidate

    setup = next((e for e in job.events if isinstance(e, dict)), {})
    if outcome is not None:
        return setup, list(outcome.candidates)
    done = [e for e in job.events if isinstance(e, Candidate)]
    finished = {c.model for c in done}
    missing = [m for m in setup.get("models", []) if m not in finished]
    for i, name in enumerate(missing):
        status = "stopped" if i == 0 else "skipped"  # the first one was running when the budget ran out
        done.append(Candidate(name, status, message="the time budget ran out" if timed_out else "not run"))
    return setup, done


def _record(workspace: Workspace, args: dict[str, Any], setup: dict[str, Any], cands: list[Any],
            started_ms: int) -> list[str]:  # fmt: skip
    from mcp_server.ml.modeling.metrics import higher_is_better
    from mcp_server.ml.tracking.store import TAG, RunRecord

    track = tracker(workspace)
    metric = setup["metric"]
    experiment = args["experiment"] or (f"SPEC-{args['spec_id']}" if args["spec_id"] else "moai-ml")
    ok = sorted((c for c in cands if c.status == "ok"), key=lambda c: _key(c, metric, higher_is_better(metric)))
    common = {f"{TAG}spec_id": args["spec_id"], f"{TAG}data_path": args["rel"], f"{TAG}data_sha256": setup["sha256"],
              f"{TAG}rows": setup["rows"], f"{TAG}columns": setup["columns"], f"{TAG}target": args["target"],
              f"{TAG}task": setup["task"]}  # fmt: skip
    best = ok[0].cv[metric]["mean"] if ok and ok[0].cv[metric]["mean"] is not None else None
    parent, _ = track.record(RunRecord(
        experiment=experiment, run_name=f"compare-{time.strftime('%Y%m%d-%H%M%S')}", kind="compare",
        params={"models": [c.model for c in cands], "cv_folds": args["cv_folds"], "metric": metric,
                "seed": args["seed"], "time_budget_s": args["time_budget_s"]},
        metrics={f"best_cv_{metric}": best}, start_ms=started_ms,
        tags={**common, f"{TAG}best_model": ok[0].model if ok else None},
    ))  # fmt: skip
    ids = [parent]
    try:
        for c in cands:
            metrics = {f"cv_{m}_{s}": v[s] for m, v in c.cv.items() for s in ("mean", "std")}
            run_id, _ = track.record(RunRecord(
                experiment=experiment, run_name=c.model, kind="candidate", parent_run_id=parent,
                params={"model": c.model, "cv_folds": args["cv_folds"], "user_params": args["params"].get(c.model, {})},
                metrics={**metrics, "fit_time_s": c.fit_time_s}, tags={**common, f"{TAG}model": c.model,
                f"{TAG}status": c.status, f"{TAG}message": c.message},
            ))  # fmt: skip
            ids.append(run_id)
    except BaseException:
        for run_id in ids:
            track.delete_run(run_id)
        raise
    return ids


def _key(c: Any, metric: str, higher: bool) -> tuple[int, float]:
    value = c.cv.get(metric, {}).get("mean")
    if value is None:
        return (1, 0.0)
    return (0, -value if higher else value)


def _result(
    args: dict[str, Any], setup: dict[str, Any], cands: list[Any], ids: list[str], elapsed: float
) -> CompareResult:
    from mcp_server.ml.modeling.metrics import higher_is_better

    metric = setup["metric"]
    run_of = dict(zip([c.model for c in cands], ids[1:], strict=True))
    ok = sorted((c for c in cands if c.status == "ok"), key=lambda c: _key(c, metric, higher_is_better(metric)))
    board = [
        Entry(rank=i, model=c.model, score=c.cv[metric]["mean"], std=c.cv[metric]["std"], fit_time_s=c.fit_time_s,
              metrics={m: v["mean"] for m, v in c.cv.items() if m != metric}, run_id=run_of[c.model])
        for i, c in enumerate(ok, start=1)
    ]  # fmt: skip
    return CompareResult(
        run_id=ids[0], task=setup["task"], metric=metric, higher_is_better=higher_is_better(metric),
        cv_folds=args["cv_folds"], rows=setup["rows"], leaderboard=board,
        not_ranked=[NotRanked(model=c.model, status=c.status, message=c.message or "") for c in cands
                    if c.status != "ok"],
        best_model=board[0].model if board else None, elapsed_s=round(elapsed, 2),
    )  # fmt: skip


def _check(workspace: Workspace, args: dict[str, Any]) -> str:
    from mcp_server.ml.data.tables import check_memory
    from mcp_server.ml.modeling.registry import get_spec

    path = workspace.resolve(args["data_path"], must_exist=True)
    for name in args["models"] or []:
        get_spec(name)
    if path.suffix.lower() not in (".parquet", ".pq"):
        check_memory(path)
    return str(path)


async def compare_tool(workspace: Workspace, args: dict[str, Any], ctx: Context | None) -> CompareResult:
    from mcp_server.ml.fitting.compare import CompareRequest, compare_job

    path = await run_domain(_check, workspace, args)
    args["rel"] = workspace.relative(workspace.resolve(path))
    started = time.time()
    request = CompareRequest(
        data_path=path, target=args["target"], models=args["models"], metric=args["metric"],
        cv_folds=args["cv_folds"], seed=args["seed"], task=args["task"], drop=args["drop"], params=args["params"],
        deadline=started + args["time_budget_s"], cache=str(store_dir(workspace, layout.SCHEMA_CACHE)),
    )  # fmt: skip
    job = Job("compare")
    total = len(args["models"] or []) + 2 if args["models"] else 14
    outcome, timed_out = None, False
    try:
        outcome = await run_job_tool(
            compare_job, request, ctx=ctx, total=total, job=job,
            budget_s=args["time_budget_s"] + GRACE_S, what="the comparison")  # fmt: skip
    except ToolError as exc:
        # Past the budget the candidates that finished still count; before the data was even ready, nothing does.
        if not isinstance(exc.__cause__, JobTimeout) or not any(isinstance(e, dict) for e in job.events):
            raise
        timed_out = True
    setup, cands = _candidates(job, outcome, timed_out)
    ids = await record_runs(lambda: _record(workspace, args, setup, cands, int(started * 1000)),
                            tracker(workspace).delete_runs)  # fmt: skip
    return _result(args, setup, cands, ids, time.time() - started)


def register(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=CREATES_RUNS, title="Compare models by cross-validation")
    async def ml_compare_models(
        data_path: DataPath,
        target: Target,
        models: Annotated[
            list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]] | None,
            Field(max_length=20, description="Registry names to compare; default: every one that fits the task"),
        ] = None,
        metric: Annotated[
            str | None,
            Field(pattern=r"^[a-z0-9_]{1,40}$", description="Primary metric (default roc_auc, f1_macro or rmse)"),
        ] = None,
        cv_folds: Annotated[int, Field(ge=2, le=20, description="Folds (stratified for classification)")] = 5,
        task: Task = "auto",
        seed: Seed = 42,
        time_budget_s: Annotated[
            float, Field(gt=0, le=86400, description="Whole comparison; candidates not done by then are listed")
        ] = 600,
        drop: Drop = [],  # noqa: B006 - pydantic copies defaults
        params: Annotated[
            dict[str, dict[str, Any]] | None, Field(description="Per-model estimator params, {model: {param: value}}")
        ] = None,
        spec_id: SpecId = None,
        experiment: Experiment = None,
        ctx: Context | None = None,
    ) -> CompareResult:
        """Rank candidate models by k-fold cross-validation (stratified for classification) on one table,
        within a time budget: a leaderboard sorted by the primary metric with std and fit times. Default
        candidates: every registered model that fits the task, cheap ones first. Each candidate is an MLflow
        run nested under one compare run; candidates the budget did not reach are listed, not lost. Next:
        ml_train the best_model, then ml_evaluate it."""
        args = {"data_path": data_path, "target": target, "models": list(models) if models else None,
                "metric": metric, "cv_folds": cv_folds, "task": task, "seed": seed, "time_budget_s": time_budget_s,
                "drop": list(drop), "params": params or {}, "spec_id": spec_id, "experiment": experiment}  # fmt: skip
        return await compare_tool(workspace, args, ctx)
