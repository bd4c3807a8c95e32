"""`ml_detect_drift`, `ml_monitor_performance`: watch a model after it ships."""

from __future__ import annotations

import base64
import json
import time
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, ImageContent, TextContent
from pydantic import BaseModel, Field

from mcp_server.core import layout
from mcp_server.core.names import RUN_REF
from mcp_server.files.workspace import Workspace
from mcp_server.ml.monitoring.spec_info import spec_reader
from mcp_server.tools._background import long_running
from mcp_server.tools._common import WRITES_FILES, run_domain, run_store, staging
from mcp_server.tools._estimates import drift_estimate, performance_estimate
from mcp_server.tools.args import RunRef

MAX_COLUMNS = 50
BRIEF_COLUMNS = 8  # column verdicts in a default answer (drifted first): ~60 tokens each
Source = Annotated[
    str,
    Field(
        min_length=1,
        max_length=4096,
        description="A CSV/Parquet table or a prediction log (folder or .jsonl) in the "
        "workspace, a "
        "run id, or "
        "models:/name@alias (meaning the rows that model was trained on)",
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


def _stamp() -> str:
    """A folder name that sorts in time order (UTC, to the nanosecond)."""
    now = time.time_ns()
    return f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime(now // 10**9))}-{now % 10**9:09d}"


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


def detect_drift(workspace: Workspace, args: dict[str, Any]) -> tuple[DriftResult, bytes | None]:
    from mcp_server.ml.monitoring.drift_run import DriftRequest, report_dict, run_drift

    with staging(workspace) as folder:
        request = DriftRequest(
            args["reference"], args["current"], args["columns"], args["psi"], args["run_id"]
        )
        outcome = run_drift(run_store(workspace), request, folder)
        png = outcome.plot.read_bytes() if outcome.plot else None
    base = (layout.DRIFT_REPORTS / _stamp()).as_posix()
    files: dict[str, bytes | str] = {
        f"{base}/drift.json": json.dumps(report_dict(outcome), indent=1, default=str)
    }
    if png:
        files[f"{base}/drift.png"] = png
    workspace.write_files(files)
    report, impact = outcome.report, outcome.impact
    weights = impact.weights
    ordered = sorted(
        report.columns, key=lambda c: (not c.drifted, -weights.get(c.column, 0.0), c.column)
    )
    shown = ordered[: MAX_COLUMNS if args.get("detail") == "full" else BRIEF_COLUMNS]
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
    )
    return result, png


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
            bool, Field(description="Also compute the population stability index per column")
        ] = False,
        run_id: Annotated[
            str | None,
            Field(
                pattern=RUN_REF,
                description="Model (run id or models:/name@alias) whose prediction drift to add; "
                "default: the reference's run when the reference is a run",
            ),
        ] = None,
        detail: Annotated[
            Literal["brief", "full"],
            Field(description="brief: 8 column verdicts, drifted first; full: 50"),
        ] = "brief",
    ) -> Annotated[CallToolResult, DriftResult]:
        """Compare a current table (or a generated service's prediction log) with a reference table
        or a
        run's training data, column by column, with Evidently's default tests: reference <= 1000
        rows —
        Kolmogorov-Smirnov (p <= 0.05) for numbers with > 5 values, chi-squared or Z-test (p < 0.05)
        otherwise;
        larger — Wasserstein distance normed by the reference std (>= 0.1) for numbers,
        Jensen-Shannon (>= 0.1)
        otherwise. Dataset drift when half the tested columns drift. Also missing values, new
        categories,
        PSI on request, and the model's prediction drift when a run is given. Returns a compact
        table, a JSON
        report and a PNG of the drifted columns (also as an image)."""
        args = {
            "reference": reference,
            "current": current,
            "columns": list(columns),
            "psi": psi,
            "run_id": run_id,
            "detail": detail,
        }
        result, png = await run_domain(detect_drift, workspace, args)
        return with_image(result, png)

    register_performance(server, workspace)
    register_card(server, workspace)


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


def monitor_performance(
    workspace: Workspace, args: dict[str, Any]
) -> tuple[PerformanceResult, bytes]:
    from dataclasses import asdict

    from mcp_server.ml.monitoring.performance import PerformanceRequest, monitor
    from mcp_server.ml.monitoring.plots import chunks_png

    request = PerformanceRequest(
        args["run_id"], args["current"], args["time_column"], args["chunks"], args["period"]
    )
    with staging(workspace) as folder:
        out = monitor(run_store(workspace), request, folder, spec_reader(workspace))
        plotted = chunks_png(out, folder / "performance.png")
        png = (folder / "performance.png").read_bytes()
    base = (layout.PERFORMANCE_REPORTS / out.run_id / _stamp()).as_posix()
    workspace.write_files(
        {
            f"{base}/performance.json": json.dumps(asdict(out), indent=1, default=str),
            f"{base}/performance.png": png,
        }
    )
    result = PerformanceResult(
        run_id=out.run_id,
        metric=out.metric,
        gates=out.gates,
        holdout=_rounded(out.holdout),
        estimated=out.estimated,
        chunks=[
            ChunkResult(chunk=c.label, rows=c.rows, values=_rounded(c.values), alert=c.alert)
            for c in out.chunks[:100]
        ],
        alerts=out.alerts[:20],
        notes=out.notes,
        report=f"{base}/performance.json",
        plot=f"{base}/performance.png",
        plotted=plotted,
    )
    return result, png


def _rounded(values: dict[str, float | None]) -> dict[str, float | None]:
    return {k: None if v is None else round(v, 6) for k, v in values.items()}


def register_performance(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=WRITES_FILES, title="Monitor model performance")
    @long_running(workspace, estimate=performance_estimate)
    async def ml_monitor_performance(
        run_id: RunRef,
        current: Source,
        time_column: Annotated[
            str | None,
            Field(
                max_length=1024, description="Column with timestamps to order and chunk the rows by"
            ),
        ] = None,
        chunks: Annotated[
            int, Field(ge=1, le=100, description="Equal-size chunks (ignored when period is set)")
        ] = 5,
        period: Annotated[
            Literal["D", "W", "M"] | None,
            Field(description="Chunk by calendar day, week or month of time_column"),
        ] = None,
    ) -> Annotated[CallToolResult, PerformanceResult]:
        """Measure a run's (or models:/name@alias's) performance on current rows, per chunk (equal
        chunks, or
        calendar periods of a time column), with the SPEC's metric and gates, against the same
        metrics on the
        run's training holdout. A chunk on which a gate would now fail raises an alert. Rows without
        labels
        (e.g. a service's prediction log) get a CBPE-style estimate for classifiers, from
        probabilities
        calibrated on the holdout, marked estimated=true. Returns a compact table, JSON report and
        PNG."""
        args = {
            "run_id": run_id,
            "current": current,
            "time_column": time_column,
            "chunks": chunks,
            "period": period,
        }
        result, png = await run_domain(monitor_performance, workspace, args)
        return with_image(result, png)


class CardResult(BaseModel):
    run_id: str = Field(description="The run the card describes")
    title: str = Field(description="Card title")
    gates_passed: bool | None = Field(
        description="The run's recorded SPEC gate verdict (None = not checked)"
    )
    drift: str = Field(
        description="Latest drift check of this model: drift, no drift, or unchecked"
    )
    metrics: dict[str, float | None] = Field(description="Holdout metrics shown on the card")
    markdown: str = Field(description="The Markdown card (plots beside it as PNG files)")
    html: str = Field(description="The self-contained HTML report (plots inline), opens offline")
    written: list[str] = Field(description="Files written")
    skipped: list[str] = Field(
        description="Files left alone because a person edited them (pass overwrite=true)"
    )


def model_card(workspace: Workspace, args: dict[str, Any]) -> CardResult:
    from mcp_server.ml.monitoring.card import build_card
    from mcp_server.ml.monitoring.card_render import to_html, to_markdown

    with staging(workspace) as folder:
        card = build_card(run_store(workspace), args["run_id"], folder, spec_reader(workspace))
    base = args["output_dir"] or (layout.CARDS / card.run_id).as_posix()
    workspace.resolve(base)  # containment check before anything is written
    files: dict[str, bytes | str] = {
        f"{base}/model_card.md": to_markdown(card),
        f"{base}/report.html": to_html(card),
    }
    files.update({f"{base}/{name}": data for name, data in card.images.items()})
    done = workspace.write_files(files, overwrite=args["overwrite"])
    return CardResult(
        run_id=card.run_id,
        title=card.title,
        gates_passed=card.gates_passed,
        drift=card.drift,
        metrics=_rounded(card.metrics),
        markdown=f"{base}/model_card.md",
        html=f"{base}/report.html",
        written=done.written,
        skipped=done.skipped,
    )


def register_card(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=WRITES_FILES, title="Write a model card")
    async def ml_model_card(
        run_id: RunRef,
        output_dir: Annotated[
            str | None,
            Field(
                max_length=4096,
                description=f"Folder for the card; default {layout.CARDS.as_posix()}/<run>",
            ),
        ] = None,
        overwrite: Annotated[bool, Field(description="Replace card files a person edited")] = False,
    ) -> CardResult:
        """Write a model card for a run or registered model version: model details and registry
        versions,
        the data (table, hash, rows, features), the SPEC with each gate against its holdout value
        and the
        recorded verdict, holdout metrics with CV mean ± std, plots (confusion matrix and ROC, or
        residuals),
        intended use from the SPEC's requirements, limits (training ranges, holdout size) and the
        latest drift
        check. Writes model_card.md with PNGs beside it and report.html, self-contained (plots
        inline)."""
        args = {"run_id": run_id, "output_dir": output_dir, "overwrite": overwrite}
        return await run_domain(model_card, workspace, args)
