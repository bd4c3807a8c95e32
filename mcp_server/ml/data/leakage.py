"""Single-feature leakage: a feature that predicts the target almost perfectly on its own."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

LEAK_SCORE = 0.99
_MAX_ROWS = 20_000
_MIN_ROWS_PER_GROUP = 10


def leaking_columns(frame: pd.DataFrame, target: str, task: str, features: list[str]) -> list[tuple[str, float]]:
    """(column, score) for each feature whose one-feature score reaches `LEAK_SCORE`.

    The score is what a small decision tree on that one feature reaches under 3-fold
    cross-validation: balanced accuracy for classification (so a rare class cannot hide a leak
    and a majority class cannot fake one), R² for regression. Categorical features are
    target-encoded first; a category with a handful of rows predicts anything by chance, so
    high-cardinality columns are left to the identifier check.
    """
    data = frame[[*features, target]].dropna(subset=[target])
    if len(data) > _MAX_ROWS:
        data = data.sample(_MAX_ROWS, random_state=0)
    y = data[target]
    if task != "regression":
        # Integer codes in sorted-label order: the same folds and scores as the labels themselves,
        # without numpy sorting strings in every fold and scorer (most of a large table's profile).
        y = y.astype(str).astype("category").cat.codes.astype("int64")
        if y.value_counts().min() < 3:
            return []
    out = []
    for name in features:
        x = _as_number(data[name], y, task)
        if x is None:
            continue
        score = _one_feature_score(x, y, task)
        if score >= LEAK_SCORE:
            out.append((name, round(score, 4)))
    return out


def _as_number(column: pd.Series, y: pd.Series, task: str) -> pd.Series | None:
    import pandas as pd

    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.astype("float64").fillna(-1e12)
    codes = column.astype("string").fillna("\x00missing")
    if codes.nunique() > len(codes) / _MIN_ROWS_PER_GROUP:
        return None
    # Order categories by their target mean (or majority-class share) so one split can separate them.
    ranked = y if task != "regression" else y.astype("float64")
    means = ranked.groupby(codes.to_numpy()).mean()
    return codes.map(means).astype("float64")


def _one_feature_score(x: pd.Series, y: pd.Series, task: str) -> float:
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    matrix = x.to_numpy().reshape(-1, 1)
    if task == "regression":
        model = DecisionTreeRegressor(max_leaf_nodes=32, random_state=0)
        cv = KFold(3, shuffle=True, random_state=0)
        scoring = "r2"
    else:
        model = DecisionTreeClassifier(max_leaf_nodes=4 * y.nunique(), random_state=0)
        cv = StratifiedKFold(3, shuffle=True, random_state=0)
        scoring = "balanced_accuracy"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = cross_val_score(model, matrix, y, cv=cv, scoring=scoring)
    return float(scores.mean())
