"""Single-feature leakage: a feature that predicts the target almost perfectly on its own."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

LEAK_SCORE = 0.99
_MAX_ROWS = 10_000  # a 0.99 score is measured to about +-0.003 on 3 folds of 3,300 rows
_MIN_ROWS_PER_GROUP = 10
# Wide tables: the exact (cross-validated) check runs on this many columns at most, the ones a
# vectorised screen ranks most suspect. A column that reaches LEAK_SCORE is close to a step
# function of the target, so it ranks at the very top of the screen; 10,000 exact checks would
# cost minutes (about 10 ms each).
_EXACT_MAX = 100
# The screen sorts this many columns at a time: on 10,000 rows its peak is about 65 MB whatever the
# width (all of 10,000 columns at once: 2.3 GB; bench/leak_screen_memory.py measures both).
_SCREEN_CHUNK = 256
# Below this many expected class changes per pair of neighbours (a class rarer than about 18% of
# binary rows) the screen cannot tell a leak from noise: every column gets the exact check.
_SCREEN_MIN_CHANGES = 0.3


def leaking_columns(
    frame: pd.DataFrame, target: str, task: str, features: list[str]
) -> list[tuple[str, float]]:
    """(column, score) for each feature whose one-feature score reaches `LEAK_SCORE`.

    The score is what a small decision tree on that one feature reaches under 3-fold
    cross-validation: balanced accuracy for classification (so a rare class cannot hide a leak
    and a majority class cannot fake one), R² for regression. Categorical features are
    target-encoded first; a category with a handful of rows predicts anything by chance, so
    high-cardinality columns are left to the identifier check.
    """
    import numpy as np
    import pandas as pd

    rows = pd.Series(np.flatnonzero(frame[target].notna().to_numpy()))
    if len(rows) > _MAX_ROWS:  # sample row positions first: no copy of the whole table
        rows = rows.sample(_MAX_ROWS, random_state=0)
    data = frame.take(rows.to_numpy())[[*features, target]]
    y = data[target]
    if task != "regression":
        # Integer codes in sorted-label order: the same folds and scores as the labels themselves,
        # without numpy sorting strings in every fold and scorer (most of a large table's profile).
        y = y.astype(str).astype("category").cat.codes.astype("int64")
        if y.value_counts().min() < 3:
            return []
    numbers = _plain_numbers(data, features)
    candidates = [
        (name, x)
        for name in features
        if (x := numbers[name] if name in numbers else _as_number(data[name], y, task)) is not None
    ]
    roughness = _screen(candidates, y, task)  # once: it ranks a wide table and rules columns out
    kept = _smoothest(roughness) if len(candidates) > _EXACT_MAX else list(range(len(candidates)))
    candidates = [candidates[i] for i in _not_ruled_out(kept, roughness, y, task)]
    out = []
    for name, x in candidates:
        score = _one_feature_score(x, y, task)
        if score >= LEAK_SCORE:
            out.append((name, round(score, 4)))
    return out


def _plain_numbers(data: pd.DataFrame, features: list[str]) -> dict[str, Any]:
    """The numeric (not boolean) features as float64 arrays with missing values at -1e12,
    converted in one block: a wide table's columns one by one cost about a millisecond each, and
    so does wrapping each in a pandas Series."""
    import numpy as np

    dtypes = data.dtypes
    twice = set(data.columns[data.columns.duplicated()])  # a duplicated name: column by column
    names = [
        name
        for name in dict.fromkeys(features)
        if name not in twice
        and isinstance(dtype := dtypes.get(name), np.dtype)
        and dtype.kind in "iuf"
    ]
    if not names:
        return {}
    block = data[names].to_numpy(dtype="float64", na_value=np.nan)
    block = np.where(np.isnan(block), -1e12, block)  # a new array: to_numpy may give a view
    return {name: block[:, j] for j, name in enumerate(names)}


def _as_number(column: pd.Series, y: pd.Series, task: str) -> Any:
    """The column as a float64 array the screen and the exact check read, or None when it has
    too many distinct values to be a category: numbers as they are (missing at -1e12), other
    columns as their categories' target means."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.astype("float64").fillna(-1e12).to_numpy()
    codes = column.astype("string").fillna("\x00missing")
    if codes.nunique() > len(codes) / _MIN_ROWS_PER_GROUP:
        return None
    # Order categories by their target mean (or majority-class share) so one split can separate
    # them.
    ranked = y if task != "regression" else y.astype("float64")
    means = ranked.groupby(codes.to_numpy()).mean()
    return codes.map(means).astype("float64").to_numpy()


def _most_suspect(
    candidates: list[tuple[str, Any]], y: pd.Series, task: str, chunk: int | None = None
) -> list[tuple[str, Any]]:
    """The `_EXACT_MAX` columns along whose sorted values the target is smoothest (see
    `_screen`)."""
    return [candidates[i] for i in _smoothest(_screen(candidates, y, task, chunk))]


def _screen(
    candidates: list[tuple[str, Any]], y: pd.Series, task: str, chunk: int | None = None
) -> Any:
    """Each column's roughness: how much the target jumps between neighbours in the column's order.

    Classification: how often the class changes between neighbours (a leak changes class a
    handful of times, noise about every other row). Regression: the von Neumann ratio (squared
    successive differences of the target in the column's order over its variance). Columns are
    screened `chunk` (default `_SCREEN_CHUNK`) at a time: memory is bounded by the chunk whatever
    the width, and each column's roughness is its own, so the result is the same.
    """
    import numpy as np

    step = chunk or _SCREEN_CHUNK
    if not candidates:
        return np.empty(0)
    return np.concatenate(
        [
            _roughness([x for _, x in candidates[start : start + step]], y, task)
            for start in range(0, len(candidates), step)
        ]
    )


def _smoothest(roughness: Any) -> list[int]:
    """Positions of the `_EXACT_MAX` smoothest columns, in column order."""
    import numpy as np

    return sorted(int(i) for i in np.argsort(roughness, kind="stable")[:_EXACT_MAX])


def _not_ruled_out(kept: list[int], roughness: Any, y: pd.Series, task: str) -> list[int]:
    """The positions in `kept` the screen cannot rule out as leaks (classification with no class
    rarer than about 18%: the exact checks, about 30 ms a column and scikit-learn's import, skip
    the rest).

    Why this is safe: a column whose small tree reaches a balanced accuracy of 0.99 misclassifies
    at most K x 1% x the largest class share of the rows, and along the column's order the class
    changes at most twice per error plus once per leaf. With every class at least ~18% of the
    rows, that is under a tenth of the changes a column unrelated to the target shows (1 - sum of
    squared class shares, per pair of neighbours); a column is ruled out only above half of them.
    Regression keeps every exact check: a few outliers can carry an R2 the order cannot see."""
    if task == "regression":
        return kept
    shares = y.value_counts(normalize=True).to_numpy()
    unrelated = 1.0 - float((shares**2).sum())  # expected class changes per pair, in a random order
    if unrelated < _SCREEN_MIN_CHANGES:
        return kept
    pairs = max(len(y) - 1, 1)
    return [i for i in kept if roughness[i] / pairs <= 0.5 * unrelated]


def _roughness(columns: list[Any], y: pd.Series, task: str) -> Any:
    """Per column, how much the target jumps between neighbours in that column's sorted order."""
    import numpy as np

    matrix = np.column_stack([np.asarray(x, dtype="float64") for x in columns])
    ordered = y.to_numpy()[np.argsort(matrix, axis=0, kind="stable")]
    del matrix
    if task == "regression":
        ordered = ordered.astype("float64")
        return (np.diff(ordered, axis=0) ** 2).sum(axis=0)
    return (np.diff(ordered, axis=0) != 0).sum(axis=0).astype("float64")


def _one_feature_score(x: Any, y: pd.Series, task: str) -> float:
    import numpy as np
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    matrix = np.asarray(x).reshape(-1, 1)
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
