"""`ml_detect_drift` as a capability: its typed request, the prepare step in the server (`models:/`
references resolved, the model's signature checked, a source that is neither a workspace file nor
a run refused in one line), the check in a job process (`drift_job`: reading both sides, the
tests, the model's weights and predictions, the plot) and the record step (the report and plot
into `layout.DRIFT_REPORTS`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mcp_server.core import layout
from mcp_server.ml.capability import Call, Plan, Recorded
from mcp_server.ml.monitoring.requests import DriftArgs, DriftRequest
from mcp_server.ml.monitoring.sources import is_run_ref

if TYPE_CHECKING:
    from collections.abc import Callable

    from mcp_server.ml.monitoring.drift_run import DriftOutcome
    from mcp_server.ml.tracking.runs import RunStore
    from mcp_server.ml.tracking.verdict import Verdict

BUDGET_S = 3600.0  # a check reads at most the newest 200,000 logged rows: far within this
STEPS = 3


@dataclass(frozen=True)
class DriftJob:
    """What the job process receives: the workspace and the request, references resolved."""

    root: str
    request: DriftRequest
    scratch: str


@dataclass(frozen=True)
class Drifting:
    """What prepare decided: where the report goes."""

    base: str  # the report folder, relative to the workspace


def prepare_drift(call: Call[DriftArgs]) -> Plan:
    from mcp_server.ml.tracking.model_registry import resolve_run_id
    from mcp_server.ml.tracking.runs import get_store

    args, store = call.request, get_store(call.workspace)
    request = DriftRequest(
        check_source(store, args.reference),
        check_source(store, args.current),
        list(args.columns),
        args.psi,
        resolve_run_id(store, args.run_id) if args.run_id else None,
    )
    payload = DriftJob(str(call.workspace.root), request, str(call.folder))
    facts = Drifting((layout.DRIFT_REPORTS / stamp()).as_posix())
    return Plan(payload, BUDGET_S, STEPS + 1, "the drift check", facts)


def check_source(store: RunStore, ref: str) -> str:
    """A workspace file or folder as it is; a run or `models:/` reference resolved to its run
    (its model signed by this product); anything else refused here, in one line."""
    from mcp_server.core.errors import DataError

    if not ref.startswith("models:/") and store.workspace.resolve(ref).exists():
        return ref
    if not is_run_ref(ref):
        raise DataError(
            f"{ref!r} is neither a file in the workspace nor a run id / models:/ URI; give "
            "reference= or current= a workspace file or folder, a run_id or a models:/ URI"
        )
    signed_run(store, ref)
    return ref  # the job resolves it again: the rows' label names it as the caller gave it


def signed_run(store: RunStore, ref: str) -> str:
    """The run behind a run id or `models:/` URI, refused unless this product signed its model
    (the same refusal loading it would give, before any job starts)."""
    from mcp_server.ml.tracking import tags
    from mcp_server.ml.tracking.model_registry import resolve_run_id
    from mcp_server.safety.signing import require_signed

    run_id = resolve_run_id(store, ref)
    folder = store.moai_dir(run_id)
    what = f"run {run_id}'s model"
    require_signed(folder / tags.MODEL_FILE, folder=folder, what=what, trusted=False, run_id=run_id)
    return run_id


def drift_job(job: DriftJob, progress: Callable[..., None]) -> DriftOutcome:
    """The check, in the job process: the run store opened again here, on the same workspace."""
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.monitoring.drift_run import run_drift
    from mcp_server.ml.monitoring.series_drift import forecast_run, run_series_drift
    from mcp_server.ml.tracking.runs import get_store

    store = get_store(Workspace(job.root))
    forecasting = forecast_run(store, job.request)  # a forecast run: its series' level and season
    if forecasting is not None:
        return run_series_drift(store, job.request, forecasting, Path(job.scratch), progress)
    return run_drift(store, job.request, Path(job.scratch), progress)


def record_drift(call: Call[DriftArgs], outcome: DriftOutcome, verdict: Verdict | None) -> Recorded:
    """The report (and the plot) into the workspace; no run is written."""
    from mcp_server.ml.monitoring.drift_run import report_dict

    base = call.facts.base
    files: dict[str, bytes | str] = {
        f"{base}/drift.json": json.dumps(report_dict(outcome), indent=1, default=str)
    }
    if outcome.plot:
        files[f"{base}/drift.png"] = outcome.plot.read_bytes()
    call.workspace.write_files(files)
    return Recorded()


def stamp() -> str:
    """A folder name that sorts in time order (UTC, to the nanosecond)."""
    import time

    now = time.time_ns()
    return f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime(now // 10**9))}-{now % 10**9:09d}"
