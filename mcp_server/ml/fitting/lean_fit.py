"""A large table's preprocessing fitted in less memory and time, to the very state `fit` makes.

Why: scikit-learn's `SimpleImputer(strategy="median")` finds its medians with a masked sort of
the whole matrix (`numpy.ma.median`); on 800,000 x 50 numbers that took 7 s and 4.4 times the
matrix's memory, the peak of a whole training job. Here the medians are numpy's median of each
column's non-missing values, found one column at a time; the ColumnTransformer is fitted with that
imputer set to a constant (a cheap fit), then the fitted imputer is given the medians back. The
result is the object `fit` would have made: tests/fitting/test_lean_fit.py compares the pickled
states. It applies only where that holds: a branch that is the median imputer alone (a
scaler after it would have learnt from the constant); anything else is fitted the usual way.

The estimator: scikit-learn's histogram gradient boosting keeps its input for the whole fit next
to the training and validation parts it splits off for early stopping (two copies of the matrix).
`early_stopping_split` makes that same split here (same seed, same stratification); the transform
writes its output straight into the two parts (a table of numbers only: one column at a time, each
column leaving the table as it is written), and the validation part is passed as `X_val`. The same
model (tests compare the pickles); the table, the whole matrix and its parts are never held at once.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

from mcp_server.ml.fitting.column_matrix import IMPUTE_STEP as _STEP

# From here on the estimator's early-stopping split is made here (well above scikit-learn's
# 10,000 rows for early_stopping="auto", so its training part still switches it on).
_OWN_SPLIT_ROWS = 100_000


Split = tuple[Any, Any]  # the estimator's early-stopping split: (fit rows, validation rows)


def fit_transform_owned(
    step: Any, owned: list[Any], y: Any, split: Split | None = None
) -> list[Any]:
    """`step.fit_transform(X, y)` for X popped from `owned` (the caller gives the table up):
    [the matrix], or with `split` [matrix[fit rows], matrix[validation rows]] made without the
    whole matrix ever existing."""
    import numpy as np

    from mcp_server.ml.fitting.column_matrix import column_plan, impute_columns

    table = owned.pop()
    branches = _median_branches(step)
    if not branches:
        return _parts(step.fit_transform(table, y), split)
    medians = {name: _medians(table, columns) for name, columns in branches.items()}
    # A table of numbers only: with the imputers set to a constant, the fitted state depends on the
    # columns and on which of them hold any value at all, so a row holding each column's first
    # value stands for the table (and the fit makes no full-size output only to drop it).
    only_numbers = len(branches) == len(step.transformers) and step.remainder == "drop"
    rows = _witness_rows(table) if only_numbers else None
    _set_strategy(step, branches, "constant")
    try:
        with warnings.catch_warnings():  # the transform below says it for the median, as fit would
            warnings.filterwarnings("ignore", "Skipping features without any observed values")
            if rows is None:
                step.fit(table, y)
            else:
                step.fit(table.iloc[rows], None if y is None else np.asarray(y)[rows])
    finally:
        _set_strategy(step, branches, "median")
    for name in branches:
        imputer = step.named_transformers_[name].named_steps[_STEP]
        imputer.strategy = "median"
        imputer.statistics_ = medians[name]
    checked = column_plan(step, table, branches) if only_numbers else None
    if checked is None:
        return _transform_in_chunks(step, table, split)
    plan, layout = checked
    if split is None:  # one matrix, laid out as the transform lays it out (what the estimator sees)
        return impute_columns(table, plan, (np.arange(len(table)),), layout)
    return impute_columns(table, plan, split, "CF")


def _parts(matrix: Any, split: Split | None) -> list[Any]:
    import numpy as np

    if split is None or not isinstance(matrix, np.ndarray):
        return [matrix]
    return [matrix[split[0]], matrix[split[1]]]


def _witness_rows(table: Any) -> Any:
    """Row positions holding, for every column that has one, its first non-missing value."""
    import numpy as np

    firsts = {0}
    for name in table.columns:
        present = np.flatnonzero(table[name].notna().to_numpy())
        if present.size:
            firsts.add(int(present[0]))
    return np.array(sorted(firsts))


def _transform_in_chunks(
    step: Any, table: Any, split: Split | None, rows: int = 65_536
) -> list[Any]:
    """`step.transform(table)` written chunk by chunk (into the split's parts, with a split):
    every step here transforms row by row, and the whole-table transform would hold two more
    copies of the matrix."""
    import numpy as np

    first = step.transform(table.iloc[:rows])
    if not isinstance(first, np.ndarray) or first.ndim != 2:
        return _parts(first if len(table) <= rows else step.transform(table), split)
    if split is None and len(table) <= rows:
        return [first]
    order: Literal["C", "F"] = (
        "F" if first.flags.f_contiguous and split is None else "C"
    )  # see `column_matrix`
    picks = split or (np.arange(len(table)),)
    outs = [np.empty((len(p), first.shape[1]), dtype=first.dtype, order=order) for p in picks]
    part = np.empty(len(table), dtype=np.int8)
    where = np.empty(len(table), dtype=np.int64)
    for k, p in enumerate(picks):
        part[p], where[p] = k, np.arange(len(p))

    def place(start: int, block: Any) -> None:
        for k, out in enumerate(outs):
            chosen = part[start : start + rows] == k
            out[where[start : start + rows][chosen]] = block[chosen]

    place(0, first)
    del first
    for start in range(rows, len(table), rows):
        place(start, step.transform(table.iloc[start : start + rows]))
    return outs


def early_stopping_split(estimator: Any, n_rows: int, y: Any) -> Split | None:
    """The split scikit-learn's histogram gradient boosting would make of its input for early
    stopping (same seed, same stratification), or None where it makes none (or is not one)."""
    import numpy as np

    if not _splits_for_early_stopping(estimator, n_rows):
        return None
    from sklearn.base import is_classifier
    from sklearn.model_selection import train_test_split

    # The seed scikit-learn draws first from random_state for this split
    # (BaseHistGradientBoosting.fit).
    seed = np.random.RandomState(estimator.random_state).randint(
        np.iinfo(np.uint32).max, dtype="u8"
    )
    fit_rows, val_rows = train_test_split(
        np.arange(n_rows),
        test_size=estimator.validation_fraction,
        stratify=np.asarray(y) if is_classifier(estimator) else None,
        random_state=seed,
    )
    return fit_rows, val_rows


def fit_estimator_owned(
    estimator: Any, owned: list[Any], y: Any, split: Split | None = None
) -> None:
    """`estimator.fit(X, y)` for X popped from `owned` (the caller gives the matrix up), given as
    [X] or, with `split`, as [X's fit rows, X's validation rows] (see `fit_transform_owned`; an
    X the transform could not split, such as a sparse matrix, comes whole and is split by the
    estimator itself)."""
    import numpy as np

    parts = owned.pop()
    y = np.asarray(y)
    if split is None or len(parts) != 2:
        estimator.fit(parts.pop(), y)
        return
    val_part, fit_part = parts.pop(), parts.pop()
    estimator.fit(fit_part, y[split[0]], X_val=val_part, y_val=y[split[1]])


def _splits_for_early_stopping(estimator: Any, n_rows: int) -> bool:
    """A histogram gradient boosting model that will split its own input for early stopping."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    return (
        type(estimator) in (HistGradientBoostingClassifier, HistGradientBoostingRegressor)
        and n_rows >= _OWN_SPLIT_ROWS
        and estimator.early_stopping in ("auto", True)
        and estimator.validation_fraction is not None
        and isinstance(estimator.random_state, int | np.integer)
        and not estimator.warm_start
    )


def _median_branches(step: Any) -> dict[str, list[str]]:
    """The ColumnTransformer's branches that are `Pipeline([("impute", SimpleImputer(median))])`."""
    import numpy as np
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline

    if not isinstance(step, ColumnTransformer):
        return {}
    found: dict[str, list[str]] = {}
    for name, branch, columns in step.transformers:
        if not (isinstance(branch, Pipeline) and [n for n, _ in branch.steps] == [_STEP]):
            continue
        imputer = branch.steps[0][1]
        if (
            type(imputer) is SimpleImputer
            and imputer.strategy == "median"
            and not imputer.add_indicator
            and not imputer.keep_empty_features
            and isinstance(imputer.missing_values, float)
            and np.isnan(imputer.missing_values)
            and isinstance(columns, list)
            and all(isinstance(c, str) for c in columns)
        ):
            found[name] = list(columns)
    return found


def _medians(table: Any, columns: list[str]) -> Any:
    """numpy's median of each column's non-missing values; NaN for a column with none (the
    imputer then drops it, as its own fit would)."""
    import numpy as np

    out = np.empty(len(columns), dtype=np.float64)
    for i, name in enumerate(columns):
        values = table[name].to_numpy(dtype=np.float64)
        present = values[~np.isnan(values)]
        out[i] = np.median(present) if present.size else np.nan
    return out


def _set_strategy(step: Any, branches: dict[str, list[str]], strategy: str) -> None:
    step.set_params(**{f"{name}__{_STEP}__strategy": strategy for name in branches})
