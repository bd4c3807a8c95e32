"""A target column summarised for its profile: class counts and shares, or the distribution of a
regression target (quantiles, skew, zeros, whole numbers), and whether a regression target is a
count or skewed non-negative one that a Poisson or Tweedie loss fits better than squared error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

COUNT_SKEW = 1.0  # a count target this skewed is modelled better with a Poisson objective


def summarize_target(target: pd.Series, task: str) -> dict[str, Any]:
    from mcp_server.ml.data.columns import near_zero

    missing = int(target.isna().sum())
    if task == "regression":
        values = target.dropna().astype(float)
        q = values.quantile([0.0, 0.25, 0.5, 0.75, 1.0]).tolist()
        return {
            "missing": missing,
            "mean": _r(values.mean()),
            "std": _r(values.std()),
            "min": _r(q[0]),
            "q25": _r(q[1]),
            "median": _r(q[2]),
            "q75": _r(q[3]),
            "max": _r(q[4]),
            "skew": _r(values.skew()),
            "zeros": near_zero(values),
            "non_negative_integers": bool(len(values))
            and bool((values >= 0).all() and (values == values.round()).all()),
        }
    counts = target.dropna().astype(str).value_counts()
    total = max(int(counts.sum()), 1)
    shown = counts.head(20)
    return {
        "missing": missing,
        "classes": len(counts),
        "counts": {str(k): int(v) for k, v in shown.items()},
        "shares": {str(k): round(int(v) / total, 4) for k, v in shown.items()},
    }


def _r(value: Any) -> float:
    return round(float(value), 6)


def count_target(summary: dict[str, Any]) -> str | None:
    """'count' or 'skewed non-negative' for a regression target a Poisson or Tweedie loss fits
    better than squared error (non-negative, skewed, whole numbers or very skewed), else None;
    `summary` is `summarize_target`'s."""
    skew = summary.get("skew") or 0.0
    non_negative = (summary.get("min") or 0.0) >= 0
    if non_negative and skew >= COUNT_SKEW and (summary.get("non_negative_integers") or skew >= 2):
        return "count" if summary.get("non_negative_integers") else "skewed non-negative"
    return None
