"""What drift means for the model: how much each column moves its predictions, and a verdict that
weighs the drifted columns by it and by the drift of the predictions themselves.

Evidently's dataset verdict counts columns (drifted share >= 0.5), so three drifted columns of
eight read "no drift" even when they are the three the model leans on. That verdict stays as it
is (`DriftReport.dataset_drift`, proven equal to Evidently's); this module adds the one a reviewer
acts on:

- each column's weight is its prediction sensitivity: on a sample of reference rows, the column
  is permuted and the model's outputs compared with the unpermuted ones (probabilities for a
  classifier, predictions scaled by their spread for a regressor). No labels are needed, so the
  same weights serve a prediction log. Weights sum to 1 over the tested columns;
- the model's drift verdict is true when the dataset verdict is, when the drifted columns carry
  at least `WEIGHTED_SHARE` of the weight, or when the predictions themselves shifted (PSI of at
  least `PSI_MAJOR`, or the prediction's own test drifted with PSI of at least `PSI_MODERATE`);
- the headline names the drifted columns in order of weight, then the prediction shift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from mcp_server.ml.monitoring.drift import ColumnDrift, DriftReport

SAMPLE_ROWS = 500
MAX_COLUMNS = 200
WEIGHTED_SHARE = 0.5
PSI_MAJOR = 0.25
PSI_MODERATE = 0.1
HEADLINE_COLUMNS = 5


@dataclass
class Impact:
    """The drift verdict for the model, its reasons and the columns by weight."""

    drift: bool
    headline: str
    weighted_share: float | None  # None when no model was known
    weights: dict[str, float] = field(default_factory=dict)  # column -> share of sensitivity
    reasons: list[str] = field(default_factory=list)


def sensitivity(model: Any, task: str, frame: pd.DataFrame, seed: int = 0) -> dict[str, float]:
    """Each input column's share of the model's prediction sensitivity on `frame`'s rows (a
    sample of `SAMPLE_ROWS`); columns beyond `MAX_COLUMNS` are not measured."""
    import numpy as np

    rows = frame.sample(min(len(frame), SAMPLE_ROWS), random_state=seed).reset_index(drop=True)
    base = _outputs(model, task, rows)
    scale = float(np.std(base)) if task == "regression" else 1.0
    rng = np.random.default_rng(seed)
    raw: dict[str, float] = {}
    for column in list(rows.columns)[:MAX_COLUMNS]:
        shuffled = rows.copy()
        shuffled[column] = rng.permutation(rows[column].to_numpy())
        raw[str(column)] = _change(base, _outputs(model, task, shuffled), task, scale)
    total = sum(raw.values())
    if total <= 0:
        return dict.fromkeys(raw, 0.0)
    return {column: round(value / total, 4) for column, value in raw.items()}


def _outputs(model: Any, task: str, rows: pd.DataFrame) -> Any:
    """Probabilities (rows x classes) for a classifier that has them, else predictions."""
    import numpy as np

    if task != "regression" and hasattr(model, "predict_proba"):
        return np.asarray(model.predict_proba(rows), dtype=float)
    predicted = np.asarray(model.predict(rows))
    return predicted.astype(float) if task == "regression" else predicted


def _change(base: Any, moved: Any, task: str, scale: float) -> float:
    """Mean change per row: total variation of probabilities, a changed label, or the change of
    a regressor's prediction in units of its spread."""
    import numpy as np

    if task != "regression" and base.ndim == 2:
        return float(np.mean(np.abs(moved - base).sum(axis=1) / 2))
    if task != "regression":
        return float(np.mean(moved != base))
    return float(np.mean(np.abs(moved - base)) / (scale or 1.0))


def judge(
    report: DriftReport, prediction: ColumnDrift | None, weights: dict[str, float] | None
) -> Impact:
    """The model's drift verdict from the column verdicts, their weights and the prediction."""
    tested = [c for c in report.columns if c.test is not None]
    drifted = [c for c in tested if c.drifted]
    reasons = []
    if report.dataset_drift:
        reasons.append(f"{report.drifted} of {report.tested} tested columns drifted")
    share = None
    if weights is not None:
        carried = sum(weights.get(c.column, 0.0) for c in drifted)
        total = sum(weights.get(c.column, 0.0) for c in tested)
        share = round(carried / total, 4) if total > 0 else 0.0
        if share >= WEIGHTED_SHARE:
            reasons.append(f"the drifted columns carry {share:.0%} of the model's sensitivity")
    shift = _prediction_shift(prediction)
    if shift:
        reasons.append(shift)
    ordered = sorted(drifted, key=lambda c: (-(weights or {}).get(c.column, 0.0), c.column))
    return Impact(
        drift=bool(reasons),
        headline=_headline(report, ordered, weights, share, prediction, bool(reasons)),
        weighted_share=share,
        weights=dict(weights or {}),
        reasons=reasons,
    )


def _prediction_shift(prediction: ColumnDrift | None) -> str | None:
    if prediction is None or prediction.psi is None:
        return None
    psi = prediction.psi
    if psi >= PSI_MAJOR or (prediction.drifted and psi >= PSI_MODERATE):
        return f"the predictions shifted (PSI {psi:.2f})"
    return None


def _headline(
    report: DriftReport,
    ordered: list[ColumnDrift],
    weights: dict[str, float] | None,
    share: float | None,
    prediction: ColumnDrift | None,
    drift: bool,
) -> str:
    verdict = "drift" if drift else "no drift"
    if not ordered:
        named = "no column drifted"
    else:
        shown = [
            f"{c.column} ({weights[c.column]:.0%})" if weights and c.column in weights else c.column
            for c in ordered[:HEADLINE_COLUMNS]
        ]
        more = f" and {len(ordered) - HEADLINE_COLUMNS} more" if len(ordered) > 5 else ""
        named = f"{len(ordered)} of {report.tested} columns drifted: {', '.join(shown)}{more}"
    parts = [f"{verdict}: {named}"]
    if share is not None:
        parts.append(f"{share:.0%} of the model's sensitivity")
    if prediction is not None and prediction.psi is not None:
        parts.append(f"prediction PSI {prediction.psi:.2f}")
    return "; ".join(parts)
