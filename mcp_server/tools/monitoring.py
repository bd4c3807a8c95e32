"""`ml_detect_drift`: drift between reference and current rows, weighed by the model."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, ImageContent, TextContent
from pydantic import BaseModel, Field

from mcp_server.core.names import RUN_REF
from mcp_server.files.workspace import Workspace
from mcp_server.ml.capability import Call, Capability, Recorded
from mcp_server.ml.monitoring.drift_check import drift_job, prepare_drift, record_drift
from mcp_server.ml.monitoring.requests import DriftArgs
from mcp_server.tools._background import long_running
from mcp_server.tools._common import WRITES_FILES
from mcp_server.tools._estimates import drift_estimate
from mcp_server.tools._lifecycle import drive
from mcp_server.tools._next import after_drift

if TYPE_CHECKING:
    from mcp_server.ml.monitoring.drift_run import DriftOutcome

MAX_COLUMNS = 50
BRIEF_COLUMNS = 8  # column verdicts in a default answer (drifted first): ~60 tokens each
Source = Annotated[
    str,
    Field(
        min_length=1,
        max_length=4096,
        description="CSV/Parquet, a prediction log (folder, .jsonl), or a run id or "
        "models:/name@alias (its training rows)",
    ),
]


class ColumnVerdict(BaseModel):
    column: str = Field(description="Column name")
    kind: str = Field(description="numerical or categorical (as Evidently infers it)")
    test: str | None = Field(
        description="ks, chisquare, z, wasserstein or jensenshannon; None = not tested"
    )
    statistic: float | None = Field(
        description="p-value (ks, chisquare, z) or distance (wasserstein, jensenshannon)"
    )
    threshold: float | None = Field(description="Drift when p <= / < this, or distance >= this")
    drifted: bool = Field(description="The column's drift verdict")
    psi: float | None = Field(
        default=None, description="Population stability index (when psi=true)"
    )
    missing_current: float = Field(description="Share of missing values in the current rows")
    new_categories: list[str] = Field(
        description="Current values never seen in the reference (up to 5)"
    )
    note: str | None = Field(default=None, description="Why a column was not tested")
    weight: float | None = Field(
        default=None, description="Share of the model's prediction sensitivity (with a model)"
    )


class DriftResult(BaseModel):
    reference: str = Field(description="What the reference rows are")
    current: str = Field(description="What the current rows are")
    reference_rows: int = Field(description="Reference rows")
    current_rows: int = Field(description="Current rows")
    drift: bool = Field(
        description="The verdict to act on: dataset drift, drifted columns carrying >= 50% of "
        "the model's sensitivity, or shifted predictions"
    )
    headline: str = Field(description="The verdict, drifted columns by weight, prediction PSI")
    weighted_share: float | None = Field(
        description="Share of the model's sensitivity the drifted columns carry (with a model)"
    )
    dataset_drift: bool = Field(
        description="Evidently's verdict: the drifted share of tested columns is >= 0.5"
    )
    drifted_share: float = Field(description="Drifted columns / tested columns")
    drifted_columns: list[str] = Field(description="Names of the drifted columns")
    columns: list[ColumnVerdict] = Field(
        description="Per-column verdicts, drifted first (8; detail='full': 50)"
    )
    columns_left_out: int = Field(
        description="Verdicts not listed (detail='full' for up to 50; the report has all)"
    )
    prediction: ColumnVerdict | None = Field(
        description="Drift of the model's predictions, when a model is known"
    )
    warnings: list[str] = Field(
        description="Missing columns, missing values, new categories, skipped log lines"
    )
    report: str = Field(description="JSON file with every number of the check")
    plot: str | None = Field(description="PNG of the drifted columns' distributions")
    next_step: str = Field(description="The call to make next")


def _verdict(column: Any, weights: dict[str, float] | None = None) -> ColumnVerdict:
    stat = None if column.statistic is None else float(f"{column.statistic:.6g}")
    return ColumnVerdict(
        column=column.column,
        kind=column.kind,
        test=column.test,
        statistic=stat,
        threshold=column.threshold,
        drifted=column.drifted,
        psi=None if column.psi is None else round(column.psi, 6),
        missing_current=column.missing_current,
        new_categories=column.new_categories,
        note=column.note,
        weight=(weights or {}).get(column.column),
    )


def _answer(call: Call[DriftArgs], outcome: DriftOutcome, recorded: Recorded) -> CallToolResult:
    args, base = call.request, call.facts.base
    report, impact = outcome.report, outcome.impact
    weights = impact.weights
    ordered = sorted(
        report.columns, key=lambda c: (not c.drifted, -weights.get(c.column, 0.0), c.column)
    )
    shown = ordered[: MAX_COLUMNS if args.detail == "full" else BRIEF_COLUMNS]
    png = outcome.plot.read_bytes() if outcome.plot else None
    result = DriftResult(
        reference=outcome.reference_label,
        current=outcome.current_label,
        reference_rows=report.reference_rows,
        current_rows=report.current_rows,
        drift=impact.drift,
        headline=impact.headline,
        weighted_share=impact.weighted_share,
        dataset_drift=report.dataset_drift,
        drifted_share=report.share,
        drifted_columns=[c.column for c in ordered if c.drifted][:MAX_COLUMNS],
        columns=[_verdict(c, weights) for c in shown],
        columns_left_out=len(ordered) - len(shown),
        prediction=_verdict(outcome.prediction) if outcome.prediction else None,
        warnings=report.warnings[:20],
        report=f"{base}/drift.json",
        plot=f"{base}/drift.png" if png else None,
        next_step=after_drift(impact.drift, _model(args, outcome), args.current),
    )
    return with_image(result, png)


def _model(args: DriftArgs, outcome: DriftOutcome) -> str | None:
    """The model whose predictions were compared: the one named, else the reference's run."""
    if outcome.prediction is None and outcome.series is None:  # a forecast run's own check
        return None
    return str(args.run_id or args.reference)


DRIFT_CHECK = Capability(
    name="drift check",
    prepare=prepare_drift,
    execute=drift_job,
    record=record_drift,
    answer=_answer,
    creates_runs=False,  # the report is a file; no run is written
    recording="saving the report",
)


def with_image(result: BaseModel, png: bytes | None) -> CallToolResult:
    content: list[Any] = [TextContent(type="text", text=result.model_dump_json())]
    if png:
        content.append(
            ImageContent(type="image", data=base64.b64encode(png).decode(), mime_type="image/png")
        )
    return CallToolResult(content=content, structured_content=result.model_dump(mode="json"))


def register(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=WRITES_FILES, title="Detect data drift")
    @long_running(workspace, estimate=drift_estimate)
    async def ml_detect_drift(
        reference: Source,
        current: Source,
        columns: Annotated[
            list[Annotated[str, Field(max_length=1024)]],
            Field(
                max_length=2000,
                description="Columns to compare; default every column both sides share",
            ),
        ] = [],  # noqa: B006 - pydantic copies defaults
        psi: Annotated[
            bool, Field(description="Also the population stability index per column")
        ] = False,
        run_id: Annotated[
            str | None,
            Field(
                pattern=RUN_REF,
                description="Model (run id or models:/name@alias) whose prediction drift to add; "
                "default: the reference's run if it is one",
            ),
        ] = None,
        detail: Annotated[
            Literal["brief", "full"],
            Field(description="brief: 8 column verdicts, drifted first; full: 50"),
        ] = "brief",
        ctx: Context | None = None,
    ) -> Annotated[CallToolResult, DriftResult]:
        """Compare a current table (or a generated service's prediction log) with a reference table
        or a run's training data, column by column, with Evidently's default tests: reference <=
        1000 rows — Kolmogorov-Smirnov (p <= 0.05) for numbers with > 5 values, chi-squared or
        Z-test (p < 0.05) otherwise; larger — Wasserstein distance normed by the reference std (>=
        0.1) for numbers, Jensen-Shannon (>= 0.1) otherwise. Dataset drift when half the tested
        columns drift. Also missing values, new categories, PSI on request, and the model's
        prediction drift when a run is given. Returns a compact table, a JSON report and a PNG of
        the drifted columns (also as an image)."""
        args = DriftArgs(reference, current, tuple(columns), psi, run_id, detail)
        return await drive(DRIFT_CHECK, workspace, args, ctx)


def rounded(values: dict[str, float | None]) -> dict[str, float | None]:
    return {k: None if v is None else round(v, 6) for k, v in values.items()}
