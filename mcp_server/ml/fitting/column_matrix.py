"""A median-imputed matrix of numbers written straight from a table's columns, each column
leaving the table as it is written, in the layout the estimator needs (see `lean_fit`).

The imputer's transform of a numeric column is its values with the gaps set to the column's
median; `column_plan` reads those medians off the fitted ColumnTransformer and checks the result
against its own `transform` on the first rows before anything else is done this way.
"""

from __future__ import annotations

from typing import Any

IMPUTE_STEP = "impute"  # the step name of a median-only branch (`preprocess.build_preprocessor`)
_ROW_BLOCK = 65_536  # rows per block of a C-ordered part while it is assembled


def column_plan(
    step: Any, table: Any, branches: dict[str, list[str]]
) -> tuple[list[tuple[str, float]], str] | None:
    """The fitted median-only ColumnTransformer as (column, median) in output order, and the layout
    ("C" or "F") of its output, checked against `step.transform` on the first rows; None where
    that check fails."""
    import numpy as np

    plan: list[tuple[str, float]] = []
    for name, columns in branches.items():
        statistics = step.named_transformers_[name].named_steps[IMPUTE_STEP].statistics_
        plan += [(c, float(m)) for c, m in zip(columns, statistics, strict=True) if not np.isnan(m)]
    sample = table.iloc[:1024]
    expected = step.transform(sample)
    shape = (len(sample), len(plan))
    if (
        len({c for c, _ in plan}) != len(plan)
        or not isinstance(expected, np.ndarray)
        or expected.shape != shape
    ):
        return None
    got = np.empty(shape, dtype=np.float64)
    for j, (name, median) in enumerate(plan):
        got[:, j] = _filled(sample[name].to_numpy(dtype=np.float64), median)
    same = expected.dtype == got.dtype and np.array_equal(expected, got)
    layout = "F" if expected.flags.f_contiguous and not expected.flags.c_contiguous else "C"
    return (plan, layout) if same else None


def _filled(values: Any, median: float) -> Any:
    """A column as the median imputer transforms it."""
    import numpy as np

    return np.where(np.isnan(values), median, values)


def impute_columns(
    table: Any, plan: list[tuple[str, float]], picks: tuple[Any, ...], layouts: str
) -> list[Any]:
    """The imputed matrix's rows `picks[k]` as part k, in layout `layouts[k]` ("C" or "F"), made
    while `table` gives up its columns.

    A Fortran-ordered part fills column by column as the table empties. A C-ordered part is
    resident from its first column on, so its rows are first kept as blocks of each column; once
    the table is gone the blocks are written into it one row block at a time, each freed as it is
    written. At no point are the table, or the blocks, held next to a whole C-ordered part. (With
    the early-stopping split, the fit part is in C order: histogram boosting copies a training
    matrix in Fortran order whole, its binning subsample being a `take`.)"""
    import numpy as np

    from mcp_server.ml.data.memory import trim_heap

    width = len(plan)
    direct = {
        k: np.empty((len(rows), width), order="F")
        for k, rows in enumerate(picks)
        if layouts[k] == "F"
    }
    blocked: dict[int, list[list[Any]]] = {
        k: [[] for _ in range(0, len(rows), _ROW_BLOCK)]
        for k, rows in enumerate(picks)
        if k not in direct
    }
    for j, (name, median) in enumerate(plan):
        filled = _filled(table.pop(name).to_numpy(dtype=np.float64), median)
        if np.isinf(filled).any():  # the imputer's own fit refuses them (its check is skipped here)
            raise ValueError(
                f"column {name!r} holds infinite values; make them empty cells or drop the column"
            )
        for k, out in direct.items():
            out[:, j] = filled[picks[k]]
        for k, blocks in blocked.items():
            for b, block in enumerate(blocks):
                block.append(filled[picks[k][b * _ROW_BLOCK : (b + 1) * _ROW_BLOCK]])
        del filled
        trim_heap()
    for name in list(table.columns):  # the wholly empty columns the imputer dropped
        del table[name]
    return [
        direct[k] if k in direct else _from_blocks(blocked.pop(k), len(rows), width)
        for k, rows in enumerate(picks)
    ]


def _from_blocks(blocks: list[list[Any]], rows: int, width: int) -> Any:
    """A C-ordered matrix from row blocks of its columns, each block freed once written."""
    import numpy as np

    from mcp_server.ml.data.memory import trim_heap

    out = np.empty((rows, width), order="C")
    for b in range(len(blocks)):
        for j, column in enumerate(blocks[b]):
            out[b * _ROW_BLOCK : (b + 1) * _ROW_BLOCK, j] = column
        blocks[b] = []
        trim_heap()
    return out
