"""`ml_compare_models`: a cross-validated leaderboard of candidate models, tracked in MLflow."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal, cast

from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, Field

from mcp_server.core.names import Task as TaskName
from mcp_server.files.workspace import Workspace
from mcp_server.ml.capability import Call, Capability, Recorded
from mcp_server.ml.fitting.compare import Candidate, compare_job
from mcp_server.ml.fitting.compare_run import (
    collect_comparison,
    prepare_comparison,
    record_comparison_runs,
)
from mcp_server.ml.fitting.requests import CompareArgs
from mcp_server.tools._background import long_running
from mcp_server.tools._common import CREATES_RUNS
from mcp_server.tools._estimates import compare_estimate
from mcp_server.tools._lifecycle import drive
from mcp_server.tools._next import after_comparison
from mcp_server.tools.args import (
    CvFolds,
    DataKindName,
    DataPath,
    Drop,
    Experiment,
    Families,
    KindOptions,
    Metric,
    Seconds,
    Seed,
    SpecId,
    Target,
    Task,
)

Models = Annotated[
    Families | None,
    Field(description="Registry names to compare; default: every one that fits the task"),
]
Budget = Annotated[
    Seconds, Field(description="Whole comparison; candidates not done by then are listed")
]
ModelParams = Annotated[
    dict[str, dict[str, Any]] | None,
    Field(description="Per-model estimator params, {model: {param: value}}"),
]


class Entry(BaseModel):
    rank: int = Field(description="1 = best by the primary metric")
    model: str = Field(description="Registry model name")
    score: float | None = Field(description="Mean of the primary metric over the folds")
    std: float | None = Field(description="Its standard deviation over the folds")
    fit_time_s: float | None = Field(description="Mean fit time of one fold, seconds")
    metrics: dict[str, float | None] = Field(description="Means of the other CV metrics")
    versus_baseline: str | None = Field(
        description="A forecast's: beats the seasonal naive on the metric, or does not"
    )
    run_id: str = Field(description="The candidate's MLflow run (nested under the compare run)")


Status = Literal["failed", "skipped", "stopped"]


class NotRanked(BaseModel):
    model: str = Field(description="Registry model name")
    status: Status = Field(description="Why it is not on the leaderboard")
    message: str = Field(description="What happened")


class CompareResult(BaseModel):
    run_id: str = Field(description="The parent MLflow run holding every candidate run")
    task: TaskName = Field(description="Task inferred or given")
    metric: str = Field(description="Primary metric the leaderboard is sorted by")
    higher_is_better: bool = Field(description="Sort direction of the metric")
    cv_folds: int = Field(description="Folds per candidate")
    rows: int = Field(description="Rows in the table")
    leaderboard: list[Entry] = Field(description="Ranked candidates that finished")
    not_ranked: list[NotRanked] = Field(
        description="Candidates that failed, were skipped or stopped by the budget"
    )
    best_model: str | None = Field(description="The winner; train it with ml_train")
    elapsed_s: float = Field(description="Wall time of the comparison")
    ran_on: str = Field(description="local, or the Dask cluster: workers, dashboard")
    next_step: str = Field(description="The call to make next")


def _answer(
    call: Call[CompareArgs],
    collected: tuple[dict[str, Any], list[Candidate]],
    recorded: Recorded,
) -> CompareResult:
    from mcp_server.ml.fitting.compare_run import ranked, versus_baseline
    from mcp_server.ml.modeling.metrics import higher_is_better

    (setup, cands), args = collected, call.request
    metric = setup["metric"]
    run_of = dict(zip([c.model for c in cands], recorded.run_ids[1:], strict=True))
    said = versus_baseline(cands, metric)
    board = [
        Entry(
            rank=i,
            model=c.model,
            score=c.cv[metric]["mean"],
            std=c.cv[metric]["std"],
            fit_time_s=c.fit_time_s,
            metrics={m: v["mean"] for m, v in c.cv.items() if m != metric},
            versus_baseline=said.get(c.model),
            run_id=run_of[c.model],
        )
        for i, c in enumerate(ranked(cands, metric), start=1)
    ]
    return CompareResult(
        run_id=recorded.run_ids[0],
        task=setup["task"],
        metric=metric,
        higher_is_better=higher_is_better(metric),
        cv_folds=args.cv_folds,
        rows=setup["rows"],
        leaderboard=board,
        not_ranked=[
            NotRanked(model=c.model, status=cast(Status, c.status), message=c.message or "")
            for c in cands
            if c.status != "ok"
        ],
        best_model=board[0].model if board else None,
        elapsed_s=round(time.time() - call.started, 2),
        ran_on=setup.get("ran_on", "local"),
        next_step=after_comparison(board[0].model if board else None, args.data_path, args.target),
    )


COMPARISON = Capability(
    name="comparison",
    prepare=prepare_comparison,
    execute=compare_job,
    collect=collect_comparison,
    record=record_comparison_runs,
    answer=_answer,
)


def register(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=CREATES_RUNS, title="Compare models by cross-validation")
    @long_running(workspace, estimate=compare_estimate)
    async def ml_compare_models(
        data_path: DataPath,
        target: Target,
        models: Models = None,
        metric: Metric = None,
        cv_folds: CvFolds = 5,
        task: Task = "auto",
        seed: Seed = 42,
        time_budget_s: Budget = 600,
        drop: Drop = [],  # noqa: B006 - pydantic copies defaults
        params: ModelParams = None,
        spec_id: SpecId = None,
        experiment: Experiment = None,
        kind: DataKindName = None,
        kind_options: KindOptions = None,
        ctx: Context | None = None,
    ) -> CompareResult:
        """Rank candidate models by k-fold cross-validation (stratified for classification) on one
        table, within a time budget: a leaderboard sorted by the primary metric with std and fit
        times. Default candidates: every registered model that fits the task, cheap ones first. Each
        candidate is an MLflow run nested under one compare run; candidates the budget did not reach
        are listed, not lost. Next: ml_train the best_model, then ml_evaluate it."""
        args = CompareArgs(
            data_path=data_path,
            target=target,
            models=list(models) if models else None,
            metric=metric,
            cv_folds=cv_folds,
            task=task,
            seed=seed,
            time_budget_s=time_budget_s,
            drop=list(drop),
            params=params or {},
            spec_id=spec_id,
            experiment=experiment,
            kind=kind,
            kind_options=dict(kind_options or {}),
        )
        return await drive(COMPARISON, workspace, args, ctx)
