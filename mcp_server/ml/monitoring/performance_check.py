"""`ml_monitor_performance` as a capability: its typed request, the prepare step in the server
(the run or `models:/` reference resolved, its model's signature checked, its SPEC read, the
current rows' source refused in one line if it names nothing), the scoring in a job process
(`performance_job`: the holdout and the current rows scored or estimated per chunk, the plot)
and the record step (the report and plot into `layout.PERFORMANCE_REPORTS`)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mcp_server.core import layout
from mcp_server.ml.capability import Call, Plan, Recorded
from mcp_server.ml.monitoring.drift_check import BUDGET_S, check_source, signed_run, stamp
from mcp_server.ml.monitoring.requests import PerformanceArgs

if TYPE_CHECKING:
    from collections.abc import Callable

    from mcp_server.ml.monitoring.performance import PerformanceReport, PerformanceRequest
    from mcp_server.ml.monitoring.spec_info import SpecInfo
    from mcp_server.ml.tracking.verdict import Verdict

STEPS = 3


@dataclass(frozen=True)
class PerformanceJob:
    """What the job process receives: the request with its run resolved, the run's SPEC as read
    in the server."""

    root: str
    request: PerformanceRequest
    spec: SpecInfo | None
    scratch: str


@dataclass(frozen=True)
class Monitored:
    """What the job returns: the report and the metrics its plot shows."""

    report: PerformanceReport
    plotted: list[str]
    plot: Path


@dataclass(frozen=True)
class Monitoring:
    """What prepare decided: where the report goes."""

    base: str  # the report folder, relative to the workspace


def prepare_performance(call: Call[PerformanceArgs]) -> Plan:
    from mcp_server.ml.monitoring.performance import PerformanceRequest
    from mcp_server.ml.monitoring.spec_info import spec_reader
    from mcp_server.ml.tracking.runs import get_store

    args, store = call.request, get_store(call.workspace)
    run_id = signed_run(store, args.run_id)
    spec = spec_reader(call.workspace)(store.get_run(run_id))
    current = check_source(store, args.current)
    request = PerformanceRequest(run_id, current, args.time_column, args.chunks, args.period)
    payload = PerformanceJob(str(call.workspace.root), request, spec, str(call.folder))
    facts = Monitoring((layout.PERFORMANCE_REPORTS / run_id / stamp()).as_posix())
    return Plan(payload, BUDGET_S, STEPS + 1, "the performance check", facts)


def performance_job(job: PerformanceJob, progress: Callable[..., None]) -> Monitored:
    """The check, in the job process: the run store opened again here, on the same workspace."""
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.monitoring.performance import monitor
    from mcp_server.ml.monitoring.plots import chunks_png
    from mcp_server.ml.monitoring.series_performance import monitor_forecasts
    from mcp_server.ml.tracking.runs import get_store

    store = get_store(Workspace(job.root))
    progress(1, "scoring the holdout and the current rows")
    forecasts = store.get_run(job.request.run).data_kind == "timeseries"
    check = monitor_forecasts if forecasts else monitor  # a forecast: against later actuals
    report = check(store, job.request, Path(job.scratch), lambda run: job.spec)
    progress(3, "drawing the metrics per chunk")
    plot = Path(job.scratch) / "performance.png"
    return Monitored(report, chunks_png(report, plot), plot)


def record_performance(
    call: Call[PerformanceArgs], outcome: Monitored, verdict: Verdict | None
) -> Recorded:
    """The report and the plot into the workspace; no run is written."""
    base = call.facts.base
    call.workspace.write_files(
        {
            f"{base}/performance.json": json.dumps(asdict(outcome.report), indent=1, default=str),
            f"{base}/performance.png": outcome.plot.read_bytes(),
        }
    )
    return Recorded()
