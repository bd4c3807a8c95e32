"""The holdout of a fit, and what a reviewer asks of it first: are some of its rows copies of
training rows?

A table with duplicate rows would put copies of training rows in the holdout, where a model that
memorises (a forest grown to single-row leaves, k-NN) scores them as if unseen. The table kind
splits groups instead (`ml/data/splits`: copies, and the rows of one SPEC `group_column`
value, stay on one side; the generated TDD project runs the same module); the answer says how
many rows were kept together.
"""

from __future__ import annotations

from typing import Any

from mcp_server.core.errors import DataError


def holdout_split(data: Any, test_size: float, seed: int) -> tuple[Any, Any]:
    """The data kind's holdout (tables: a seeded split, stratified on the classes)."""
    try:
        train, test = data.kind.holdout(
            data.X, data.y, data.schema.task, test_size, seed, data.groups
        )
    except ValueError as exc:
        raise DataError(f"cannot split the data with test_size={test_size}: {exc}") from exc
    return train, test


def grouping_note(data: Any, where: str) -> list[str]:
    """What the answer says when a table's split keeps groups of rows together (`splits`): rows
    that are copies of each other, rows of one `group_column` value; nothing for other kinds."""
    from mcp_server.ml.data.splits import group_counts, row_groups

    if data.kind.name != "table" or len(data.y) < 2:
        return []
    rows, groups = group_counts(row_groups(data.X, data.groups))
    if not groups:
        return []
    by = "are copies of each other (equal features)"
    if data.group_column is not None:
        by += f" or share a {data.group_column!r} value"
    return [
        f"{rows:,} rows {by}, in {groups:,} groups: {where} keeps each group on one side, so "
        "no score counts a row the model was trained on"
    ]


GROUPS = 32  # column groups `split_rows` takes a table in (a group of one when it is narrow)


def split_rows(frame: Any, train_idx: Any, test_idx: Any) -> list[Any]:
    """[train rows, test rows] of `frame`, taken column by column and each group of columns
    removed from `frame` once taken: the table and its split are never in memory together."""
    import pandas as pd

    from mcp_server.ml.data.memory import trim_heap

    train: dict[str, Any] = {}
    test: dict[str, Any] = {}
    train_index, test_index = frame.index[train_idx], frame.index[test_idx]
    names = list(frame.columns)
    # Removing columns copies what remains of their block: one at a time is quadratic in the
    # columns (300 x 10,000: 0.65 s a column, hours in all); at most GROUPS removals stay linear.
    step = max(1, len(names) // GROUPS)
    for start in range(0, len(names), step):
        group = names[start : start + step]
        for name in group:
            column = frame[name]
            # One index object for all columns (a Series each of its own would cost a column
            # each); the dtype given, or pandas would infer `str` for an object column of strings.
            values, dtype = column.array, column.dtype
            del column
            train[name] = pd.Series(
                values.take(train_idx), index=train_index, dtype=dtype, copy=False
            )
            test[name] = pd.Series(values.take(test_idx), index=test_index, dtype=dtype, copy=False)
            del values
        frame.drop(columns=group, inplace=True)
        trim_heap()  # the group's pages back to the system before the next one's copies
    return [pd.DataFrame(train, copy=False), pd.DataFrame(test, copy=False)]
