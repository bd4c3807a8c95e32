"""One drift check as the tool runs it: read both sides, test every shared column, add the
prediction drift when a model is known, draw the drifted columns."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.ml.monitoring.content_drift import content_verdict, described, expand, spread
from mcp_server.ml.monitoring.drift import (
    ColumnDrift,
    DriftReport,
    column_drift,
    common_columns,
    detect,
)
from mcp_server.ml.monitoring.impact import Impact, judge
from mcp_server.ml.monitoring.sources import Rows, is_run_ref, load_rows, predict_labels

if TYPE_CHECKING:
    from collections.abc import Callable

    from mcp_server.ml.monitoring.requests import DriftRequest
    from mcp_server.ml.tracking.runs import RunStore


def no_progress(step: float, message: str) -> None:
    """The progress of a check run outside a job."""


@dataclass
class DriftOutcome:
    report: DriftReport
    reference_label: str
    current_label: str
    prediction: ColumnDrift | None
    plot: Path | None
    model_run_id: str | None
    impact: Impact
    series: list[dict[str, Any]] | None = None  # a forecast run's per-series level and season


def run_drift(
    store: RunStore, req: DriftRequest, scratch: Path, progress: Callable[..., None] = no_progress
) -> DriftOutcome:
    """The check (in a job process: `drift_check.drift_job`); the plot is drawn into `scratch`."""
    from mcp_server.ml.monitoring.plots import drift_png
    from mcp_server.ml.tracking.model_registry import resolve_run_id

    progress(1, "reading the reference and current rows")
    reference = load_rows(store, req.reference, scratch)
    current = load_rows(store, req.current, scratch)
    columns = req.columns or None
    if columns is None and reference.run_id is not None:
        columns = [c for c in reference.frame.columns if c in current.frame.columns] or None
    progress(2, "testing each column")
    names, notes = common_columns(reference.frame, current.frame, columns)
    tested = expand(reference.frame, current.frame, names)  # images and texts: their properties
    report = detect(tested.reference, tested.current, tested.columns, req.psi)
    report.warnings = reference.notes + current.notes + notes + described(tested) + report.warnings
    model_ref = req.run_id or reference.run_id
    model_run = resolve_run_id(store, model_ref) if model_ref else None
    prediction = (
        _prediction_drift(store, model_run, reference, current, report) if model_run else None
    )
    weights = _weights(store, model_run, reference, report) if model_run else None
    impact = content_verdict(judge(report, prediction, spread(weights, tested)), report, tested)
    progress(3, "drawing the drifted columns")
    drifted = [c for c in report.columns if c.drifted]
    drifted.sort(key=lambda c: -impact.weights.get(c.column, 0.0))
    plot = scratch / "drift.png"
    pairs = [(c.column, c.kind) for c in drifted]
    made = drift_png(tested.reference, tested.current, pairs, plot)
    return DriftOutcome(
        report,
        reference.label,
        current.label,
        prediction,
        plot if made else None,
        model_run,
        impact,
    )


def _weights(
    store: RunStore, run_id: str, reference: Rows, report: DriftReport
) -> dict[str, float] | None:
    """The model's sensitivity to each of its input columns on the reference rows."""
    from mcp_server.core.errors import MoaiMlError
    from mcp_server.ml.modeling.preprocess import coerce_frame
    from mcp_server.ml.monitoring.impact import sensitivity

    try:
        loaded = store.load_run(run_id)
        rows = coerce_frame(reference.frame, loaded.schema)
        return sensitivity(loaded.model, loaded.schema.task, rows)
    except MoaiMlError as exc:
        report.warnings.append(f"columns not weighted by the model: {exc}")
        return None


def _prediction_drift(
    store: RunStore, run_id: str, reference: Rows, current: Rows, report: DriftReport
) -> ColumnDrift | None:
    """Drift of the model's outputs: its predictions on the reference rows vs the current ones
    (the service's logged predictions when `current` is a prediction log)."""
    from mcp_server.core.errors import MoaiMlError

    try:
        ref_pred = predict_labels(store, run_id, reference.frame)
        if current.predictions is not None:
            cur_pred = current.predictions
            if ref_pred.dtype.kind == "f":
                import pandas as pd

                cur_pred = pd.to_numeric(cur_pred, errors="coerce")
            else:
                cur_pred = cur_pred.astype(str)
        else:
            cur_pred = predict_labels(store, run_id, current.frame)
    except MoaiMlError as exc:
        report.warnings.append(f"no prediction drift: {exc}")
        return None
    return column_drift("prediction", ref_pred, cur_pred.rename("prediction"), psi=True)


def report_dict(outcome: DriftOutcome) -> dict[str, Any]:
    """Every number of the check, for the JSON report file."""
    report = outcome.report
    return {
        "reference": outcome.reference_label,
        "current": outcome.current_label,
        "reference_rows": report.reference_rows,
        "current_rows": report.current_rows,
        "drift": outcome.impact.drift,
        "headline": outcome.impact.headline,
        "reasons": outcome.impact.reasons,
        "weighted_share": outcome.impact.weighted_share,
        "weights": outcome.impact.weights,
        "dataset_drift": report.dataset_drift,
        "drifted_share": report.share,
        "tested": report.tested,
        "drifted": report.drifted,
        "columns": [asdict(c) for c in report.columns],
        "prediction": asdict(outcome.prediction) if outcome.prediction else None,
        "model_run_id": outcome.model_run_id,
        "warnings": report.warnings,
        "series": outcome.series,
    }


__all__ = ["DriftOutcome", "is_run_ref", "report_dict", "run_drift"]
