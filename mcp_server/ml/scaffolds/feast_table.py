"""A table made into a Feast source's rows: each column's Feast type, the event timestamps (the
table's own or a generated one), the entity key checked, the feature columns converted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mcp_server.core.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

GENERATED_TIMESTAMP = "event_timestamp"
RESERVED = {GENERATED_TIMESTAMP}  # the event time column of the entity rows training.py takes


def feast_dtype(series: pd.Series, kind: str) -> str:
    """The Feast type of a column, from its profile kind and pandas dtype."""
    import pandas as pd

    if kind == "datetime" or pd.api.types.is_datetime64_any_dtype(series):
        return "UnixTimestamp"
    if pd.api.types.is_bool_dtype(series):
        return "Bool"
    if pd.api.types.is_integer_dtype(series):
        return "Int64"
    if pd.api.types.is_float_dtype(series):
        return "Float64"
    return "String"


def timestamps(
    frame: pd.DataFrame, column: str | None, modified: float
) -> tuple[pd.Series, str, bool]:
    import pandas as pd

    if column is None:
        if GENERATED_TIMESTAMP in frame.columns:
            raise DataError(
                f"the table already has a column {GENERATED_TIMESTAMP!r}: pass it as "
                "timestamp_column"
            )
        # The table's modification time: when this snapshot was known (stable across re-runs).
        as_of = pd.Timestamp(datetime.fromtimestamp(int(modified), UTC))
        return pd.Series(as_of, index=frame.index), GENERATED_TIMESTAMP, True
    if column not in frame.columns:
        raise DataError(
            f"timestamp column {column!r} is not in the table; omit timestamp_column to "
            "generate one"
        )
    raw = frame[column]
    parsed = pd.to_datetime(raw, errors="coerce", utc=True, format="mixed")
    bad = int(parsed.isna().sum())
    if bad:
        raise DataError(
            f"column {column!r} is not a usable timestamp: {bad} of {len(raw)} values are "
            "missing or not dates; "
            "give another timestamp_column, or omit it to generate one"
        )
    return parsed, column, False


def check_entity(frame: pd.DataFrame, entity: str, stamps: pd.Series, ts_name: str) -> None:
    import pandas as pd

    if entity not in frame.columns:
        raise DataError(
            f"entity column {entity!r} is not in the table; pass entity= one of its columns"
        )
    key = frame[entity]
    if key.isna().any():
        raise DataError(
            f"entity column {entity!r} has {int(key.isna().sum())} missing values; every "
            "row needs a key: fill or drop those rows of data_path, or pass another entity="
        )
    if not (pd.api.types.is_integer_dtype(key) or pd.api.types.is_string_dtype(key)):
        raise DataError(
            f"entity column {entity!r} must hold integers or strings, not {key.dtype}; pass "
            "another entity="
        )
    pairs = pd.DataFrame({"k": key, "t": stamps})
    dup = pairs.duplicated(keep=False)
    if dup.any():
        example = pairs[dup].iloc[0]
        raise DataError(
            f"entity column {entity!r} is not unique per timestamp ({ts_name}): "
            f"{int(dup.sum())} rows share a "
            f"(key, time) pair, e.g. {example['k']!r} at {example['t']}; deduplicate the "
            "table or give a finer "
            "timestamp_column"
        )


def feature_frame(
    frame: pd.DataFrame, entity: str, ts_col: str | None, exclude: set[str]
) -> tuple[pd.DataFrame, dict[str, str]]:
    import pandas as pd

    from mcp_server.ml.data.columns import describe_columns

    kinds = {c.name: str(c.kind) for c in describe_columns(frame)}
    out: dict[str, pd.Series] = {}
    dtypes: dict[str, str] = {}
    for name in frame.columns:
        if name in exclude or name in (entity, ts_col):
            continue
        if str(name) in RESERVED:
            raise DataError(
                f"column {name!r} would clash with the entity rows' event time; rename it "
                "or leave it out with drop="
            )
        series = frame[name]
        dtype = feast_dtype(series, kinds[str(name)])
        if dtype == "UnixTimestamp":
            series = pd.to_datetime(series, errors="coerce", utc=True, format="mixed")
        elif dtype == "String":
            series = (
                series.astype(object)
                .where(series.notna(), None)
                .map(lambda v: v if v is None else str(v))
            )
        out[str(name)], dtypes[str(name)] = series, dtype
    if not dtypes:
        raise DataError(
            "no feature columns remain besides the entity and timestamp columns; take some out "
            "of drop=, or give data_path a table with features"
        )
    return pd.DataFrame(out, index=frame.index), dtypes
