"""Performance of a run's model on current rows, per chunk, against its training holdout and the
SPEC's gates. With labels the metrics are measured; without them a classifier's are estimated
(`estimate`, CBPE-style) and marked so."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import DataError, MoaiMlError
from mcp_server.ml.modeling.holdout_stats import Scored, metric_value
from mcp_server.ml.monitoring.scoring import score_rows
from mcp_server.ml.monitoring.spec_info import SpecReader

if TYPE_CHECKING:
    import pandas as pd

    from mcp_server.ml.monitoring.sources import Rows
    from mcp_server.ml.tracking.runs import RunStore
    from mcp_server.ml.tracking.view import RunView

MIN_CHUNK_ROWS = 10


@dataclass
class Chunk:
    label: str
    rows: int
    values: dict[str, float | None]
    alert: bool
    failed: list[str] = field(default_factory=list)


@dataclass
class PerformanceReport:
    run_id: str
    metric: str
    gates: dict[str, float]  # metric -> threshold (from the SPEC)
    holdout: dict[str, float | None]
    estimated: bool
    chunks: list[Chunk]
    alerts: list[str]
    notes: list[str]


@dataclass
class PerformanceRequest:
    run: str
    current: str
    time_column: str | None = None
    chunks: int = 5
    period: str | None = None  # D | W | M with a time column


def spec_gates(specs: SpecReader, run: RunView, task: str) -> tuple[str, dict[str, float]]:
    """(metric, {metric: threshold}) from the run's SPEC; the task's primary metric and no gates
    without one."""
    from mcp_server.ml.modeling.metrics import PRIMARY

    info = specs(run)
    if info is None:
        return PRIMARY[task], {}
    return info.metric or PRIMARY[task], info.gates


def chunk_rows(
    frame: pd.DataFrame, times: pd.Series | None, n: int, period: str | None
) -> list[tuple[str, Any]]:
    """(label, row positions) per chunk: calendar periods of `times`, or n equal chunks in time
    (row) order."""
    import numpy as np

    order = np.arange(len(frame)) if times is None else np.argsort(times.to_numpy(), kind="stable")
    if times is not None and period:
        stamps = times.dt.tz_localize(None) if getattr(times.dt, "tz", None) is not None else times
        keys = stamps.dt.to_period(period).astype(str).to_numpy()
        return [(str(k), np.flatnonzero(keys == k)) for k in sorted(set(keys.tolist()) - {"NaT"})]
    n = max(1, min(n, len(frame) // MIN_CHUNK_ROWS or 1))
    out = []
    for i, part in enumerate(np.array_split(order, n)):
        label = f"chunk {i + 1}"
        if times is not None and len(part):
            label = f"{times.iloc[part[0]]:%Y-%m-%d %H:%M}"
        out.append((label, part))
    return out


def _values(names: list[str], scored: Scored, rows: Any) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for name in names:
        try:
            out[name] = metric_value(name, scored, rows)
        except MoaiMlError:
            out[name] = None
    return out


def _failed(values: dict[str, float | None], gates: dict[str, float]) -> list[str]:
    from mcp_server.ml.modeling.metrics_spec import get_metric, passes

    failed = []
    for name, threshold in gates.items():
        value = values.get(name)
        if value is not None and not passes(get_metric(name), value, threshold):
            failed.append(name)
    return failed


def monitor(
    store: RunStore, req: PerformanceRequest, scratch: Path, specs: SpecReader
) -> PerformanceReport:
    from mcp_server.ml.monitoring.sources import load_rows
    from mcp_server.ml.tracking.model_registry import resolve_run_id
    from mcp_server.ml.tracking.run_data import run_data

    run_id = resolve_run_id(store, req.run)
    run, loaded = store.get_run(run_id), store.load_run(run_id)
    schema = loaded.schema
    metric, gates = spec_gates(specs, run, schema.task)
    names = list(dict.fromkeys([metric, *gates]))
    baseline = score_rows(loaded, run_data(store, run, schema, scratch).holdout)
    current = load_rows(store, req.current, scratch)
    frame, times = current.frame, _times(current, req.time_column)
    labelled = schema.target in frame.columns and frame[schema.target].notna().any()
    notes = list(current.notes)
    if labelled:
        mask = frame[schema.target].notna().to_numpy()
        frame = frame.loc[mask].reset_index(drop=True)
        times = None if times is None else times.loc[mask].reset_index(drop=True)
        chunks, estimated = _measured(loaded, frame, times, req, names, gates), False
    else:
        chunks, estimated = (
            _estimated(loaded, baseline, frame, times, req, names, gates, notes),
            True,
        )
    alerts = [
        f"{c.label}: {', '.join(c.failed)} would now fail the SPEC gate" for c in chunks if c.alert
    ]
    if not gates:
        notes.append(
            "the run has no SPEC gates, so nothing can alert; compare the chunks with the holdout"
        )
    return PerformanceReport(
        run_id=run_id,
        metric=metric,
        gates=gates,
        holdout=_values(names, baseline, None),
        estimated=estimated,
        chunks=chunks,
        alerts=alerts,
        notes=notes,
    )


def _times(current: Rows, column: str | None) -> pd.Series | None:
    """When each current row was seen: the time column asked for, else the log's own times."""
    if current.frame.empty:
        raise DataError("the current rows are empty; give current= a table or log with data")
    if not column:
        return current.times
    if column not in current.frame.columns:
        raise DataError(
            f"no time column {column!r} in the current rows; pass time_column= one of their "
            "columns, or leave it out"
        )
    import pandas as pd

    times: pd.Series = pd.to_datetime(current.frame[column], errors="coerce", format="mixed")
    return times


def _measured(
    loaded: Any,
    frame: Any,
    times: Any,
    req: PerformanceRequest,
    names: list[str],
    gates: dict[str, float],
) -> list[Chunk]:
    scored = score_rows(loaded, frame)
    out = []
    for label, rows in chunk_rows(frame, times, req.chunks, req.period):
        values = _values(names, scored, rows)
        failed = _failed(values, gates)
        out.append(
            Chunk(label=label, rows=len(rows), values=values, alert=bool(failed), failed=failed)
        )
    return out


def _estimated(
    loaded: Any,
    baseline: Scored,
    frame: Any,
    times: Any,
    req: PerformanceRequest,
    names: list[str],
    gates: dict[str, float],
    notes: list[str],
) -> list[Chunk]:
    from mcp_server.ml.fitting.holdout_scoring import predict_both
    from mcp_server.ml.modeling.preprocess import coerce_frame
    from mcp_server.ml.monitoring.estimate import ESTIMABLE, estimate, fit_calibrators

    schema = loaded.schema
    if schema.task == "regression" or baseline.proba is None:
        raise DataError(
            f"the current rows have no labels ({schema.target!r}); without them only a classifier "
            "with probabilities can be estimated: give current= rows that hold the labels"
        )
    cal = fit_calibrators(baseline.y, baseline.proba, baseline.n_classes)
    pred, proba = predict_both(loaded.model, coerce_frame(frame, schema), schema.task)
    unknown = [n for n in names if n not in ESTIMABLE]
    if unknown:
        notes.append(f"{unknown} cannot be estimated without labels; shown as null")
    notes.append(
        "no labels: metrics are CBPE-style estimates from probabilities calibrated on the holdout"
    )
    out = []
    for label, rows in chunk_rows(frame, times, req.chunks, req.period):
        found = estimate(cal, proba[rows], pred[rows])
        values = {n: found.get(n) for n in names}
        failed = _failed(values, gates)
        out.append(
            Chunk(label=label, rows=len(rows), values=values, alert=bool(failed), failed=failed)
        )
    return out
