"""`ml_monitor_performance` for a forecasting run: the run's forecasts for the times of actuals
that arrived later, against those actuals: MASE (each series' error over its training seasonal
naive scale, as the run's holdout was scored), sMAPE, RMSE and bias (forecast minus actual: above
0 over-forecasts) for all series together and per series (worst first), or per calendar period of
the time column when `period` is given; each judged by the SPEC's gates, beside the run's holdout
figures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import DataError

if TYPE_CHECKING:
    from pathlib import Path

    from mcp_server.ml.monitoring.performance import Chunk, PerformanceReport, PerformanceRequest
    from mcp_server.ml.monitoring.spec_info import SpecReader
    from mcp_server.ml.tracking.runs import RunStore

FORECAST_METRICS = ("mase", "smape", "rmse", "bias")


def forecast_values(model: Any, X: Any, y: Any, pred: Any) -> dict[str, float | None]:
    """MASE, sMAPE, RMSE and bias of forecasts `pred` of the rows `X` against actuals `y`."""
    import numpy as np

    from mcp_server.ml.modeling.forecast.scoring import smape

    error = np.asarray(pred, dtype=float) - np.asarray(y, dtype=float)
    scale = model.season_scale(X)
    return {
        "mase": float(np.mean(np.abs(error) / scale)),
        "smape": smape(y, pred),
        "rmse": float(np.sqrt(np.mean(error**2))),
        "bias": float(np.mean(error)),
    }


def monitor_forecasts(
    store: RunStore, req: PerformanceRequest, scratch: Path, specs: SpecReader
) -> PerformanceReport:
    """`performance.monitor` for a forecast run (`req.run` is its resolved run id)."""
    from mcp_server.ml.monitoring.performance import PerformanceReport, spec_gates
    from mcp_server.ml.monitoring.sources import load_rows
    from mcp_server.ml.serving.forecast import forecaster_of
    from mcp_server.ml.tracking import tags

    run, loaded = store.get_run(req.run), store.load_run(req.run)
    metric, gates = spec_gates(specs, run, loaded.schema.task)
    model, target = forecaster_of(loaded.model), loaded.schema.target
    current = load_rows(store, req.current, scratch)
    frame, notes = _actuals(model, current.frame, target)
    pred = model.predict(frame)
    y = frame[target].to_numpy(dtype=float)
    chunks = _chunks(model, frame, y, pred, req.period, gates, metric)
    alerts = [
        f"{c.label}: {', '.join(c.failed)} would now fail the SPEC gate" for c in chunks if c.alert
    ]
    recorded = dict.fromkeys([metric, *gates, *FORECAST_METRICS[:3]])  # bias is not recorded
    holdout = {n: run.metrics.get(tags.holdout(n)) for n in recorded}
    notes += _summary(chunks, holdout, metric)
    if not gates:
        notes.append("the run has no SPEC gates, so nothing can alert; compare with the holdout")
    return PerformanceReport(run.run_id, metric, gates, holdout, False, chunks, alerts, notes)


def _actuals(model: Any, frame: Any, target: str) -> tuple[Any, list[str]]:
    """The rows with an actual value at a time past their series' end (what was forecast)."""
    import pandas as pd

    if target not in frame.columns or not frame[target].notna().any():
        raise DataError(
            f"the current rows have no actuals in {target!r}; a forecast is measured against "
            "actuals: pass current= rows once their values have arrived"
        )
    frame = frame.loc[frame[target].notna()].reset_index(drop=True)
    frame[target] = pd.to_numeric(frame[target], errors="coerce")
    _, ahead = model._locate(frame)
    later = ahead >= 1
    notes = []
    if not later.all():
        notes.append(f"{int((~later).sum())} row(s) at or before the run's history end: not scored")
    if not later.any():
        raise DataError(
            "every current row is within the run's training history; pass current= rows later "
            "than it"
        )
    return frame.loc[later].reset_index(drop=True), notes


def _chunks(
    model: Any,
    frame: Any,
    y: Any,
    pred: Any,
    period: str | None,
    gates: dict[str, float],
    metric: str,
) -> list[Chunk]:
    """All series first, then each series worst first (or each calendar period)."""
    import numpy as np
    import pandas as pd

    if period:
        times = pd.to_datetime(frame[model.time_column])
        keys = times.dt.to_period(period).astype(str).to_numpy()
    else:
        keys = np.array([f"series {s}" for s in model.series_of(frame)], dtype=object)
    parts = [("all series", np.arange(len(frame)))]
    parts += [(str(k), np.flatnonzero(keys == k)) for k in sorted(set(keys.tolist()))]
    out = [_chunk(label, model, frame, y, pred, rows, gates) for label, rows in parts]
    if not period:
        out[1:] = sorted(out[1:], key=lambda c: -(c.values.get(metric) or 0.0))
    return out


def _chunk(
    label: str, model: Any, frame: Any, y: Any, pred: Any, rows: Any, gates: dict[str, float]
) -> Chunk:
    from mcp_server.ml.monitoring.performance import Chunk, _failed

    part = frame.iloc[rows]
    values: dict[str, float | None] = dict(forecast_values(model, part, y[rows], pred[rows]))
    for name in gates:
        values.setdefault(name, None)  # a gate on a metric a forecast does not measure here
    failed = _failed(values, gates)
    return Chunk(label=label, rows=len(rows), values=values, alert=bool(failed), failed=failed)


def _summary(chunks: list[Chunk], holdout: dict[str, float | None], metric: str) -> list[str]:
    import numpy as np

    pooled, series = chunks[0], [c for c in chunks[1:] if c.label.startswith("series ")]
    now, then = pooled.values.get(metric), holdout.get(metric)
    lines = []
    if now is not None and then is not None:
        lines.append(f"{metric} {now:.4g} on the actuals against {then:.4g} on the holdout")
    if series:
        spread = np.percentile([c.values.get(metric) or 0.0 for c in series], [50, 90])
        worst = series[0]
        lines.append(
            f"worst {worst.label}: {metric} {worst.values.get(metric) or 0.0:.4g}, bias "
            f"{worst.values.get('bias') or 0.0:+.4g}; {metric} over {len(series)} series: "
            f"median {spread[0]:.4g}, 90th percentile {spread[1]:.4g}"
        )
    return lines
