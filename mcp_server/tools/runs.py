"""`ml_list_runs` and `ml_get_run`: read the MLflow run store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

from mcp_server.core.names import EXPERIMENT_NAME, MODEL_NAME, SPEC_ID
from mcp_server.files.workspace import Workspace
from mcp_server.ml.tracking import tags
from mcp_server.ml.tracking.queries import RunQuery
from mcp_server.ml.tracking.view import RunView
from mcp_server.tools._common import READ_ONLY, run_domain, run_ref, run_store
from mcp_server.tools.args import RunRef

MAX_METRICS = 60


class RunSummary(BaseModel):
    run_id: str = Field(description="MLflow run id")
    run_name: str = Field(description="Human name of the run")
    experiment: str = Field(description="Experiment name")
    kind: str = Field(description="train, compare, candidate, tdd_green, tdd_refactor, tune, trial")
    model: str | None = Field(description="Registry model name, if any")
    spec_id: str | None = Field(description="SPEC the run belongs to, if any")
    status: str = Field(description="FINISHED, FAILED, RUNNING, …")
    started: str = Field(description="Start time, UTC ISO 8601")
    parent_run_id: str | None = Field(description="The compare run this candidate belongs to")
    metrics: dict[str, float] = Field(description="Headline metrics (the sort metric first)")
    gates_passed: bool | None = Field(description="Met its SPEC's gates (null: no SPEC gates)")
    kept: bool | None = Field(
        description="False: rejected (tests failed, gates unmet, replaced); see rejected_reason"
    )
    rejected_reason: str | None = Field(description="Why the run was rejected, if it was")


class RunList(BaseModel):
    runs: list[RunSummary] = Field(description="Matching runs, sorted (one page)")
    count: int = Field(description="How many are listed")
    next_offset: int | None = Field(
        description="More runs match: pass this as `offset` for the next page"
    )
    tracking_uri: str = Field(description="Where the store is (a path for the local store)")


class RunDetail(BaseModel):
    run: RunSummary = Field(description="The summary fields")
    params: dict[str, str] = Field(description="Run parameters")
    metrics: dict[str, float] = Field(description="All metrics (latest values), up to 60")
    tags: dict[str, str] = Field(
        description="moai.* tags: data file and hash, rows, columns, target, …"
    )
    model_uri: str | None = Field(
        description="models:/<id> of the logged model, if the run has one"
    )
    artifacts: list[str] = Field(description="Top-level artifact paths of the run")
    children: int = Field(
        description="Nested runs (candidates of a compare run, trials of a tune run)"
    )


def _iso(ms: int | None) -> str:
    return datetime.fromtimestamp((ms or 0) / 1000, tz=UTC).isoformat(timespec="seconds")


def summarize(run: RunView, experiment: str, first: str | None = None) -> RunSummary:
    metrics = run.metrics
    keys = ([first] if first and first in metrics else []) + [
        k for k in tags.HEADLINE if k in metrics and k != first
    ]
    if not keys:
        keys = sorted(metrics)[:4]
    return RunSummary(
        run_id=run.run_id,
        run_name=run.name,
        experiment=experiment,
        kind=run.kind,
        model=run.model,
        spec_id=run.spec_id,
        status=run.status,
        started=_iso(run.start_ms),
        parent_run_id=run.parent_run_id,
        metrics={k: round(float(metrics[k]), 6) for k in keys[:5]},
        gates_passed=run.verdict.gates_passed,
        kept=run.verdict.kept,
        rejected_reason=run.verdict.reason,
    )


def list_runs(
    workspace: Workspace, query: RunQuery, offset: int = 0, detail: str = "brief"
) -> RunList:
    import dataclasses

    from mcp_server.ml.tracking.locations import inside, sqlite_file
    from mcp_server.ml.tracking.queries import START_TIME, find_runs

    store = run_store(workspace)
    page = query.max_results
    found, experiments = find_runs(store, dataclasses.replace(query, max_results=offset + page + 1))
    runs = found[offset : offset + page]
    first = tags.stored_metric(query.order_by) if query.order_by != START_TIME else None
    location = store.uri
    db = sqlite_file(location)
    if db is not None and inside(db.resolve(), [workspace.root]):
        location = workspace.relative(db)  # the workspace's own store, shown relative to the root
    elif db is not None:
        location = str(db)  # a SQLite file the person configured elsewhere: shown as it is
    listed = [summarize(r, experiments.get(r.experiment_id, "?"), first) for r in runs]
    if detail == "brief":  # the headline metric or two; ml_get_run or detail="full" for more
        listed = [
            r.model_copy(update={"metrics": dict(list(r.metrics.items())[:2])}) for r in listed
        ]
    more = len(found) > offset + page
    return RunList(
        runs=listed,
        count=len(listed),
        next_offset=offset + page if more else None,
        tracking_uri=location,
    )


def get_run(workspace: Workspace, run_id: str) -> RunDetail:
    from mcp_server.ml.tracking.queries import children

    store = run_store(workspace)
    run_id = run_ref(workspace, run_id)
    run = store.get_run(run_id)
    experiment = store.experiment_name(run)
    nested = children(store, run)
    artifacts = store.artifact_paths(run_id)
    metrics = dict(sorted(run.metrics.items())[:MAX_METRICS])
    return RunDetail(
        run=summarize(run, experiment),
        params=dict(sorted(run.params.items())),
        metrics={k: round(float(v), 6) for k, v in metrics.items()},
        tags=run.moai_tags(),
        model_uri=f"models:/{run.model_id}" if run.model_id else None,
        artifacts=artifacts,
        children=len(nested),
    )


ExperimentFilter = Annotated[
    str | None,
    Field(
        pattern=EXPERIMENT_NAME, max_length=200, description="Only this experiment (default: all)"
    ),
]
SpecFilter = Annotated[
    str | None, Field(pattern=SPEC_ID, max_length=32, description="Only runs of this SPEC")
]
KindFilter = Annotated[tags.RunKind | None, Field(description="Only runs of this kind")]
ModelFilter = Annotated[
    str | None, Field(pattern=MODEL_NAME, description="Only runs of this registry model")
]
MetricFilter = Annotated[
    str | None,
    Field(
        max_length=200,
        description="A metric condition, e.g. 'r2 >= 0.15' (SPEC name) or "
        "'holdout_roc_auc >= 0.95'",
    ),
]
OrderBy = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_.]{1,100}$",
        description="'start_time' or a metric name (SPEC name such as r2, or stored)",
    ),
]
Ascending = Annotated[bool, Field(description="Sort ascending (default: newest / largest first)")]
MaxResults = Annotated[int, Field(ge=1, le=200, description="Runs per page")]
Offset = Annotated[
    int, Field(ge=0, le=100000, description="Skip this many (paging; see next_offset)")
]
Detail = Annotated[
    Literal["brief", "full"], Field(description="brief: two headline metrics per run; full: five")
]


def register(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=READ_ONLY, title="List tracked runs")
    async def ml_list_runs(
        experiment: ExperimentFilter = None,
        spec_id: SpecFilter = None,
        kind: KindFilter = None,
        model: ModelFilter = None,
        metric_filter: MetricFilter = None,
        order_by: OrderBy = "start_time",
        ascending: Ascending = False,
        max_results: MaxResults = 8,
        offset: Offset = 0,
        detail: Detail = "brief",
    ) -> RunList:
        """List MLflow runs made by the tools (training, comparisons and their candidates, TDD
        cycles), newest first or sorted by a metric, filtered by experiment, SPEC id, kind, model or
        a metric condition. Each run is one compact line with its headline metrics and its verdict;
        use ml_get_run for all of a run's params, metrics, tags and artifacts, and pass a run_id to
        ml_evaluate or ml_export. Read-only."""
        query = RunQuery(
            experiment=experiment,
            spec_id=spec_id,
            kind=kind,
            model=model,
            metric_filter=metric_filter,
            order_by=order_by,
            ascending=ascending,
            max_results=max_results,
        )
        return await run_domain(list_runs, workspace, query, offset, detail)

    @server.tool(annotations=READ_ONLY, title="Show one tracked run")
    async def ml_get_run(run_id: RunRef) -> RunDetail:
        """Show one MLflow run in full: its params, every metric, the moai tags (SPEC id, data file
        and its sha256, row and column counts, target, task, model), the logged model's URI, its
        artifact paths (plots, schema, evaluations) and how many candidate runs hang under it.
        Read-only."""
        return await run_domain(get_run, workspace, run_id)
