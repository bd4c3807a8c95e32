"""Column kinds: what each column of a table is, as an ML engineer would call it."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

_ID_NAME = re.compile(
    r"(^|[_\s.-])(id|uuid|guid|key|index|idx)$|^(id|uuid|guid|index|idx)([_\s.-]|$)", re.I
)
_BOOL_TOKENS = {"true", "false", "yes", "no", "y", "n", "t", "f", "0", "1", "0.0", "1.0"}
_DATETIME_SAMPLE = 500


class Kind(StrEnum):
    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    TEXT = "text"
    IDENTIFIER = "identifier"
    CONSTANT = "constant"
    IMAGE = "image"  # an image file's path (or its bytes): the images kind's one feature


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    kind: Kind
    dtype: str
    missing: int
    missing_pct: float
    unique: int
    categories: tuple[str, ...] = ()  # seen values for categorical/boolean columns (capped)


def infer_kind(series: pd.Series, rows: int, unique: int | None = None) -> Kind:
    """Classify one column; the order of the checks matters (constant before boolean, …).
    `unique`: the column's distinct non-missing values, when the caller counted them already."""
    import pandas as pd

    if unique is None:
        unique = int(series.nunique(dropna=True))
    if unique <= 1:
        return Kind.CONSTANT
    if pd.api.types.is_bool_dtype(series):
        return Kind.BOOLEAN
    if pd.api.types.is_float_dtype(series) and unique > 2:
        return Kind.NUMERIC  # the common case of a wide table, decided without a copy
    values = series.dropna()
    if unique == 2 and _boolean_tokens(values):
        return Kind.BOOLEAN
    if pd.api.types.is_datetime64_any_dtype(series):
        return Kind.DATETIME
    if pd.api.types.is_numeric_dtype(series):
        return (
            Kind.IDENTIFIER
            if _numeric_identifier(series.name, values, unique, rows)
            else Kind.NUMERIC
        )
    return _text_kind(series.name, values, unique)


def _text_kind(name: object, values: pd.Series, unique: int) -> Kind:
    """A column of strings (non-missing `values`): dates, free text, an identifier or categories."""
    strings = values.astype(str)
    if _looks_datetime(strings):
        return Kind.DATETIME
    ratio = unique / max(len(values), 1)
    mean_len = float(strings.str.len().mean())
    has_spaces = float(strings.str.contains(" ", regex=False).mean())
    if ratio > 0.5 and mean_len > 25 and has_spaces > 0.5:
        return Kind.TEXT
    if ratio > 0.95 and len(values) > 20 and (has_spaces < 0.1 or _ID_NAME.search(str(name))):
        return Kind.IDENTIFIER
    return Kind.CATEGORICAL


def _boolean_tokens(values: pd.Series) -> bool:
    tokens = {str(v).strip().lower() for v in values.unique()[:3]}
    return tokens <= _BOOL_TOKENS


def _numeric_identifier(name: object, values: pd.Series, unique: int, rows: int) -> bool:
    """An integer column whose every value is distinct and named like an id, or a row counter."""
    import pandas as pd

    if not pd.api.types.is_integer_dtype(values) or unique < max(20, 0.99 * len(values)):
        return False
    if _ID_NAME.search(str(name)):
        return True
    ordered = values.is_monotonic_increasing or values.is_monotonic_decreasing
    step_one = bool(ordered and (values.max() - values.min()) == len(values) - 1)
    return step_one and rows > 20


def _looks_datetime(strings: pd.Series) -> bool:
    import pandas as pd

    sample = strings.head(_DATETIME_SAMPLE)
    # Plain numbers parse as timestamps too; a date has separators or month names.
    if not sample.str.contains(r"\d{1,4}[-/:.]\d{1,2}|[A-Za-z]{3}", regex=True).all():
        return False
    if sample.str.fullmatch(r"[A-Za-z\s]+").any():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return bool(parsed.notna().mean() >= 0.95)


# A table of at most this many rows is counted a block of number columns at a time (sorted, no
# hashing): a wide, short table's columns one by one cost about half a millisecond each.
_SHORT_ROWS = 10_000
_BLOCK_CELLS = 4_000_000  # 32 MB of float64 per block


def distinct_counts(frame: pd.DataFrame) -> list[int]:
    """Each column's distinct non-missing values, exactly. Hashing a large table's columns is most
    of a profile, and pandas' hash tables release the GIL: the columns are counted on every core.
    A short table's number columns are counted in blocks instead (`_block_counts`)."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    def count(position: int) -> int:
        return int(frame.iloc[:, position].nunique(dropna=True))

    blocked = _block_counts(frame) if 0 < frame.shape[0] <= _SHORT_ROWS else {}
    positions = [i for i in range(frame.shape[1]) if i not in blocked]
    workers = min(4, os.cpu_count() or 1)
    if workers == 1 or frame.shape[0] * len(positions) < 1_000_000:
        counted = {i: count(i) for i in positions}
    else:
        with ThreadPoolExecutor(workers, thread_name_prefix="moai-nunique") as pool:
            counted = dict(zip(positions, pool.map(count, positions), strict=True))
    return [blocked[i] if i in blocked else counted[i] for i in range(frame.shape[1])]


def _block_counts(frame: pd.DataFrame) -> dict[int, int]:
    """{position: distinct non-missing values} of the numpy number columns (not booleans), in
    blocks of one kind (float64, int64 or uint64: no integer rounded through a float), each
    sorted down its columns: a value differing from the one before it is a new one (-0.0 equals
    0.0, as in `nunique`; NaN, sorted last, is not counted)."""
    import numpy as np

    kinds = {"f": "float64", "i": "int64", "u": "uint64"}
    step = max(1, _BLOCK_CELLS // frame.shape[0])
    out: dict[int, int] = {}
    for kind, as_type in kinds.items():
        numbers = [
            i
            for i, dtype in enumerate(frame.dtypes)
            if isinstance(dtype, np.dtype) and dtype.kind == kind
        ]
        for start in range(0, len(numbers), step):
            chosen = numbers[start : start + step]
            block = np.sort(frame.iloc[:, chosen].to_numpy(dtype=as_type), axis=0)
            present = ~np.isnan(block) if kind == "f" else np.ones(block.shape, dtype=bool)
            changes = (np.diff(block, axis=0) != 0) & present[1:]
            distinct = changes.sum(axis=0) + present[0]
            out.update(zip(chosen, (int(d) for d in distinct), strict=True))
    return out


def describe_columns(frame: pd.DataFrame, max_categories: int = 50) -> list[ColumnInfo]:
    import numpy as np

    rows = len(frame)
    out = []
    missing_counts = frame.isna().sum().to_numpy()  # one pass per block, not one per column
    dtypes = list(frame.dtypes)
    for position, unique in enumerate(distinct_counts(frame)):
        name, dtype = frame.columns[position], dtypes[position]
        missing = int(missing_counts[position])
        if isinstance(dtype, np.dtype) and dtype.kind == "f" and unique > 2:
            kind = Kind.NUMERIC  # infer_kind's answer, without taking the column out
        else:
            series = frame.iloc[:, position]
            kind = infer_kind(series, rows, unique)
        categories: tuple[str, ...] = ()
        if kind in (Kind.CATEGORICAL, Kind.BOOLEAN) and unique <= max_categories:
            values = frame.iloc[:, position].dropna().unique()
            categories = tuple(sorted(str(v) for v in values))
        out.append(
            ColumnInfo(
                name=str(name),
                kind=kind,
                dtype=str(dtype),
                missing=missing,
                missing_pct=round(100.0 * missing / max(rows, 1), 2),
                unique=unique,
                categories=categories,
            )
        )
    return out


# A value at most this share of the median |value| counts as zero for a percentage error.
NEAR_ZERO = 1e-3


def near_zero(y_true: object) -> int:
    """How many true values are zero or so close to it (relative to the typical size) that a
    percentage error divides by almost nothing."""
    import numpy as np

    values = np.abs(np.asarray(y_true, dtype=float))
    if values.size == 0:
        return 0
    scale = float(np.median(values[values > 0])) if (values > 0).any() else 0.0
    return int((values <= NEAR_ZERO * scale).sum())
