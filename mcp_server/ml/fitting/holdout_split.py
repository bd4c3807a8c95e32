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
