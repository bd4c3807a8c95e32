"""The holdout of a fit, and what a reviewer asks of it first: are some of its rows copies of
training rows?

A table with duplicate rows puts copies of training rows in the holdout, where a model that
memorises (a forest grown to single-row leaves, k-NN) scores them as if unseen. The split itself
is not changed, because the generated TDD project draws the same split from the same seed; the
answer says how many holdout rows are such copies, so the score is read for what it is.
"""

from __future__ import annotations

from typing import Any

from mcp_server.core.errors import DataError

# A share of holdout rows below this is noise, not worth a warning.
COPIES_TO_WARN = 0.01


def holdout_split(data: Any, test_size: float, seed: int) -> tuple[Any, Any]:
    """The data kind's holdout (tables: a seeded split, stratified on the classes)."""
    try:
        train, test = data.kind.holdout(data.X, data.y, data.schema.task, test_size, seed)
    except ValueError as exc:
        raise DataError(f"cannot split the data with test_size={test_size}: {exc}") from exc
    return train, test


def copies_note(data: Any, train_idx: Any, test_idx: Any) -> list[str]:
    """A warning when at least `COPIES_TO_WARN` of a table's holdout rows are exact copies (every
    feature and the target) of training rows; nothing for other kinds of data."""
    import numpy as np
    import pandas as pd

    if data.kind.name != "table" or len(test_idx) == 0:
        return []
    hashes = pd.util.hash_pandas_object(data.X, index=False).to_numpy()
    labels = pd.util.hash_pandas_object(pd.Series(np.asarray(data.y)), index=False).to_numpy()
    rows = hashes ^ (labels * np.uint64(0x9E3779B97F4A7C15))
    copies = int(np.isin(rows[test_idx], rows[train_idx]).sum())
    if copies < max(1, COPIES_TO_WARN * len(test_idx)):
        return []
    return [
        f"{copies:,} of {len(test_idx):,} holdout rows are exact copies of training rows (the "
        "table has duplicate rows): the holdout score is optimistic for models that memorise; "
        "drop the duplicates first if they are not real repeats (pandas: drop_duplicates())"
    ]


GROUPS = 32  # column groups `split_rows` takes a table in (a group of one when it is narrow)


def split_rows(frame: Any, train_idx: Any, test_idx: Any) -> list[Any]:
    """[train rows, test rows] of `frame`, taken column by column and each group of columns
    removed from `frame` once taken: the table and its split are never in memory together."""
    import pandas as pd

    from mcp_server.ml.data.tables import trim_heap

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
