"""`ml_detect_drift` for a forecasting run: the target's level and season per series
(`series_tests`), between the training window (the run's training rows, or a reference table) and
a new window of rows, and the exogenous columns (every other column but the time and the series
id) with the table's tests. The answer's columns are `<target> level` and `<target> season`
(kind `series`: the smallest adjusted p-value over the series, the drifted series named) and the
exogenous columns; every series' figures go to the report."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import DataError
from mcp_server.ml.monitoring.drift import ColumnDrift, DriftReport, detect
from mcp_server.ml.monitoring.impact import Impact
from mcp_server.ml.monitoring.series_tests import ALPHA, SeriesShift, adjust, shift_of

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

    from mcp_server.ml.monitoring.drift_run import DriftOutcome
    from mcp_server.ml.monitoring.requests import DriftRequest
    from mcp_server.ml.tracking.runs import RunStore

NAMED_SERIES = 3  # drifted series a verdict's note names


def forecast_run(store: RunStore, req: DriftRequest) -> str | None:
    """The run whose forecasts the check is about, when it is a time-series run: the model named,
    else the reference when it is a run (a workspace file of that name wins, as in `load_rows`)."""
    from mcp_server.ml.monitoring.sources import is_run_ref
    from mcp_server.ml.tracking.model_registry import resolve_run_id

    ref = req.run_id
    if ref is None and is_run_ref(req.reference):
        if (
            req.reference.startswith("models:/")
            or not store.workspace.resolve(req.reference).exists()
        ):
            ref = req.reference
    if ref is None:
        return None
    run_id = resolve_run_id(store, ref)
    return run_id if store.get_run(run_id).data_kind == "timeseries" else None


def run_series_drift(
    store: RunStore, req: DriftRequest, run_id: str, scratch: Path, progress: Callable[..., None]
) -> DriftOutcome:
    from mcp_server.ml.monitoring.drift_run import DriftOutcome
    from mcp_server.ml.monitoring.plots import drift_png
    from mcp_server.ml.serving.forecast import forecaster_of

    loaded = store.load_run(run_id)
    model, target = forecaster_of(loaded.model), loaded.schema.target
    progress(1, "reading the training window and the new window")
    reference, ref_label = _reference(store, req, run_id, scratch)
    current, cur_label = _table(store, req.current)
    roles = [model.time_column, *([model.series_id] if model.series_id else [])]
    for side, frame in (("reference", reference), ("current", current)):
        missing = [c for c in [*roles, target] if c not in frame.columns]
        if missing:
            raise DataError(
                f"the {side} rows have no {missing} column(s); pass reference= and current= "
                "rows of the series"
            )
    progress(2, "testing each series' level and season, and the other columns")
    shifts = series_shifts(model, reference, current, target)
    verdicts = [
        _verdict(f"{target} {what}", shifts, what, current[target]) for what in ("level", "season")
    ]
    exogenous = [c for c in reference.columns if c in current.columns and c not in {*roles, target}]
    if req.columns:
        exogenous = [c for c in exogenous if c in req.columns]
    report = _report(reference, current, exogenous, verdicts, req.psi)
    impact = _impact(report, verdicts)
    progress(3, "drawing the drifted columns")
    plot = scratch / "drift.png"
    drifted = [(c.column, c.kind) for c in report.columns if c.drifted and c.kind != "series"]
    made = drift_png(reference, current, drifted, plot)
    series = [asdict(s) for s in shifts]
    picture = plot if made else None
    return DriftOutcome(report, ref_label, cur_label, None, picture, run_id, impact, series)


def series_shifts(
    model: Any, reference: pd.DataFrame, current: pd.DataFrame, target: str
) -> list[SeriesShift]:
    """Every series of the new window tested against its training window (same time grid)."""
    import pandas as pd

    from mcp_server.ml.data.series.grid import TimeGrid

    def laid(frame: pd.DataFrame) -> pd.DataFrame:
        times = pd.to_datetime(frame[model.time_column], errors="coerce")
        ids = model.series_of(frame)
        out = pd.DataFrame(
            {"s": ids, "t": times, "y": pd.to_numeric(frame[target], errors="coerce")}
        )
        return out.dropna().sort_values(["s", "t"])

    ref, cur = laid(reference), laid(current)
    if cur.empty:
        raise DataError(
            f"the current rows have no values of {target!r} with a time; pass current= rows "
            "that have them"
        )
    grid = TimeGrid(min(ref["t"].min(), cur["t"].min()), model.frequency_)
    ref["p"], cur["p"] = grid.positions(ref["t"]), grid.positions(cur["t"])
    known = dict(tuple(ref.groupby("s")))
    shifts = []
    for name, rows in cur.groupby("s"):
        past = known.get(name)
        if past is None:
            shifts.append(SeriesShift(str(name), 0, len(rows), None, None, None, None))
            continue
        past = past[past["p"] < rows["p"].min()]
        shifts.append(
            shift_of(
                str(name),
                past["p"].to_numpy(),
                past["y"].to_numpy(dtype=float),
                rows["p"].to_numpy(),
                rows["y"].to_numpy(dtype=float),
                int(model.season_),
            )
        )
    adjust(shifts)
    return shifts


def _verdict(column: str, shifts: list[SeriesShift], what: str, values: pd.Series) -> ColumnDrift:
    from mcp_server.ml.monitoring.drift import _missing

    level = what == "level"
    pvalues = {s.series: s.level_p if level else s.season_p for s in shifts}
    tested = [s for s in shifts if pvalues[s.series] is not None]
    drifted = [s for s in tested if (s.level_drifted if level else s.season_drifted)]
    out = ColumnDrift(
        column, "series", None, None, None, bool(drifted), missing_current=_missing(values)
    )
    if not tested:
        out.note = f"no series had enough history and new steps to test its {what}"
        return out
    out.test, out.threshold = what, ALPHA
    out.statistic = min(p for p in pvalues.values() if p is not None)
    if level:
        drifted.sort(key=lambda s: -abs(s.shift_sigmas or 0.0))
        named = ", ".join(
            f"{s.series} {s.shift:+.4g} ({s.shift_sigmas:+.1f} sd)" for s in drifted[:NAMED_SERIES]
        )
    else:
        named = ", ".join(s.series for s in drifted[:NAMED_SERIES])
    out.note = f"{len(drifted)} of {len(tested)} series moved" + (f": {named}" if named else "")
    return out


def _report(
    reference: Any, current: Any, exogenous: list[str], verdicts: list[ColumnDrift], psi: bool
) -> DriftReport:
    columns, warnings, share, dataset = list(verdicts), [], 0.0, False
    if exogenous:
        other = detect(reference[exogenous], current[exogenous], exogenous, psi)
        columns += other.columns
        warnings, share, dataset = other.warnings, other.share, other.dataset_drift
    tested = [c for c in columns if c.test is not None]
    return DriftReport(
        reference_rows=len(reference),
        current_rows=len(current),
        columns=columns,
        tested=len(tested),
        drifted=sum(c.drifted for c in tested),
        share=share,
        dataset_drift=dataset,
        warnings=warnings,
    )


def _impact(report: DriftReport, verdicts: list[ColumnDrift]) -> Impact:
    reasons = [f"{c.column}: {c.note}" for c in verdicts if c.drifted]
    if report.dataset_drift:
        reasons.append("half or more of the exogenous columns drifted")
    others = [c.column for c in report.columns if c.drifted and c.kind != "series"]
    if others:
        reasons.append(f"exogenous columns drifted: {', '.join(others[:5])}")
    headline = (
        "drift: " + "; ".join(reasons)
        if reasons
        else "no drift: " + "; ".join(f"{c.column}: {c.note}" for c in verdicts)
    )
    return Impact(drift=bool(reasons), headline=headline, weighted_share=None, reasons=reasons)


def _reference(store: RunStore, req: DriftRequest, run_id: str, scratch: Path) -> tuple[Any, str]:
    """The training window: the reference table, or the run's training rows (target included)."""
    from mcp_server.ml.tracking.run_data import run_data

    ref = req.reference
    if not ref.startswith("models:/") and store.workspace.resolve(ref).exists():
        return _table(store, ref)
    run = store.get_run(run_id)
    data = run_data(store, run, store.load_run(run_id).schema, scratch)
    return data.train.reset_index(drop=True), f"training rows of run {run_id[:8]}"


def _table(store: RunStore, ref: str) -> tuple[Any, str]:
    from mcp_server.ml.data.tables import load_table

    path = store.workspace.resolve(ref)
    if not path.is_file():
        raise DataError(
            f"{ref!r} is no table in the workspace; give reference= and current= CSV or "
            "Parquet files"
        )
    return load_table(path), store.workspace.relative(path)
