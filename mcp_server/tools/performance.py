"""`ml_monitor_performance`: a model's metrics per chunk of new rows against its SPEC."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from mcp_server.files.workspace import Workspace
from mcp_server.ml.capability import Call, Capability, Recorded
from mcp_server.ml.monitoring.performance_check import (
    Monitored,
    performance_job,
    prepare_performance,
    record_performance,
)
from mcp_server.ml.monitoring.requests import PerformanceArgs
from mcp_server.tools._background import long_running
from mcp_server.tools._common import WRITES_FILES
from mcp_server.tools._estimates import performance_estimate
from mcp_server.tools._lifecycle import drive
from mcp_server.tools._next import after_monitoring
from mcp_server.tools.args import RunRef
from mcp_server.tools.monitoring import Source, rounded, with_image


class ChunkResult(BaseModel):
    chunk: str = Field(description="Chunk label: a period, a start time or 'chunk N'")
    rows: int = Field(description="Rows in the chunk")
    values: dict[str, float | None] = Field(
        description="The SPEC's metrics on the chunk (None = undefined)"
    )
    alert: bool = Field(description="True when a SPEC gate would now fail on this chunk")


class PerformanceResult(BaseModel):
    run_id: str = Field(description="The monitored run")
    metric: str = Field(description="The SPEC's primary metric (else the task's)")
    gates: dict[str, float] = Field(description="SPEC gates: metric -> threshold")
    holdout: dict[str, float | None] = Field(
        description="The same metrics on the run's training holdout"
    )
    estimated: bool = Field(
        description="True when the rows had no labels: CBPE-style estimates, not measurements"
    )
    chunks: list[ChunkResult] = Field(description="Metrics per chunk, in time order (up to 100)")
    alerts: list[str] = Field(description="Chunks on which a gate would now fail")
    notes: list[str] = Field(
        description="What to know: estimates, missing gates, skipped log lines"
    )
    report: str = Field(description="JSON file with every number")
    plot: str = Field(description="PNG of the plotted metrics per chunk, holdout and gate")
    plotted: list[str] = Field(description="Metrics in the plot: those that alerted first")
    next_step: str = Field(description="The call to make next")


def _answer(call: Call[PerformanceArgs], outcome: Monitored, recorded: Recorded) -> CallToolResult:
    out, base = outcome.report, call.facts.base
    result = PerformanceResult(
        run_id=out.run_id,
        metric=out.metric,
        gates=out.gates,
        holdout=rounded(out.holdout),
        estimated=out.estimated,
        chunks=[
            ChunkResult(chunk=c.label, rows=c.rows, values=rounded(c.values), alert=c.alert)
            for c in out.chunks[:100]
        ],
        alerts=out.alerts[:20],
        notes=out.notes,
        report=f"{base}/performance.json",
        plot=f"{base}/performance.png",
        plotted=outcome.plotted,
        next_step=after_monitoring(out.run_id, call.request.current, out.alerts, out.estimated),
    )
    return with_image(result, outcome.plot.read_bytes())


PERFORMANCE_CHECK = Capability(
    name="performance check",
    prepare=prepare_performance,
    execute=performance_job,
    record=record_performance,
    answer=_answer,
    creates_runs=False,  # the report is a file; no run is written
    recording="saving the report",
)


def register(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=WRITES_FILES, title="Monitor model performance")
    @long_running(workspace, estimate=performance_estimate)
    async def ml_monitor_performance(
        run_id: RunRef,
        current: Source,
        time_column: Annotated[
            str | None,
            Field(max_length=1024, description="Timestamp column to order and chunk rows by"),
        ] = None,
        chunks: Annotated[
            int,
            Field(
                ge=1,
                le=100,
                description="Equal-size chunks (ignored when period is set)",
            ),
        ] = 5,
        period: Annotated[
            Literal["D", "W", "M"] | None,
            Field(description="Chunk by calendar day, week or month of time_column"),
        ] = None,
        ctx: Context | None = None,
    ) -> Annotated[CallToolResult, PerformanceResult]:
        """Measure a run's (or models:/name@alias's) performance on current rows, per chunk (equal
        chunks, or calendar periods of a time column), with the SPEC's metric and gates, against the
        same metrics on the run's training holdout. A chunk on which a gate would now fail raises an
        alert. Rows without labels (e.g. a service's prediction log) get a CBPE-style estimate for
        classifiers, from probabilities calibrated on the holdout, marked estimated=true. Returns a
        compact table, JSON report and PNG."""
        args = PerformanceArgs(run_id, current, time_column, chunks, period)
        return await drive(PERFORMANCE_CHECK, workspace, args, ctx)
