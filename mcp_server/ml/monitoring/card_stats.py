"""The numbers a reviewer checks on a model card: bootstrap intervals of the holdout metrics, the
baseline a model must beat, the operating threshold and per-class results, subgroup metrics, and
why the holdout differs from cross-validation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcp_server.ml.modeling.holdout_stats import Interval, Scored, defined_value

if TYPE_CHECKING:
    import pandas as pd

MIN_GROUP_ROWS = 5
MAX_GROUPS = 12


def threshold_lines(scored: Scored, labels: list[str]) -> list[str]:
    """The operating threshold in use and what it does to each class."""
    if scored.task == "regression":
        return []
    if scored.task == "binary":
        return [
            f"Threshold: a row is predicted {labels[1]!s} when its probability of {labels[1]!s} "
            f"is at least 0.5 (the model's predict), else {labels[0]!s}."
        ]
    return ["Threshold: each row gets the class with the highest probability (argmax)."]


def per_class(scored: Scored, labels: list[str]) -> list[list[str]]:
    """precision, recall, F1 and support of each class on the holdout (header first)."""
    import numpy as np
    from sklearn.metrics import precision_recall_fscore_support

    codes = list(range(len(labels)))
    precision, recall, f1, support = precision_recall_fscore_support(
        np.asarray(scored.y), np.asarray(scored.pred), labels=codes, zero_division=0
    )
    table = [["class", "precision", "recall", "F1", "holdout rows"]]
    for i, label in enumerate(labels):
        table.append(
            [str(label), f"{precision[i]:.3f}", f"{recall[i]:.3f}", f"{f1[i]:.3f}", str(support[i])]
        )
    return table


def subgroups(scored: Scored, holdout: pd.DataFrame, column: str, metric: str) -> list[list[str]]:
    """The metric per value of a sensitive column on the holdout (the commonest values, groups of
    at least `MIN_GROUP_ROWS` rows), header first; empty when the column is absent."""
    import numpy as np

    if column not in holdout.columns:
        return []
    values = holdout[column].astype("string").fillna("(missing)").to_numpy()
    table = [[column, "rows", metric]]
    kinds, counts = np.unique(values, return_counts=True)
    for value, count in sorted(zip(kinds, counts, strict=True), key=lambda p: -p[1])[:MAX_GROUPS]:
        if count < MIN_GROUP_ROWS:
            continue
        found = defined_value(metric, scored, np.flatnonzero(values == value))
        table.append([str(value), str(count), "n/a" if found is None else f"{found:.4f}"])
    return table


def holdout_vs_cv(
    name: str, holdout: float | None, cv: tuple[float, float] | None, interval: Interval | None
) -> str | None:
    """A sentence on why the holdout differs from the CV mean, when it does."""
    if holdout is None or cv is None:
        return None
    mean, std = cv
    gap = holdout - mean
    if abs(gap) <= max(std, 1e-12):
        return f"{name}: the holdout ({holdout:.4f}) is within one CV std of the CV mean."
    where = "below" if gap < 0 else "above"
    if interval is not None and interval.low <= mean <= interval.high:
        return (
            f"{name}: the holdout ({holdout:.4f}) is {abs(gap):.4f} {where} the CV mean "
            f"({mean:.4f} ± {std:.4f}), inside the holdout's own 95 % interval "
            f"{interval.text()}: sampling noise of a small holdout, not a different model."
        )
    return (
        f"{name}: the holdout ({holdout:.4f}) is {abs(gap):.4f} {where} the CV mean "
        f"({mean:.4f} ± {std:.4f}) beyond the holdout's sampling noise: the holdout rows may "
        "differ from the rest (check with ml_detect_drift), or the model was chosen on CV noise."
    )
