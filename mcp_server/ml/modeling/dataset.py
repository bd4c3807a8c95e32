"""A dataset made ready for a pipeline: read and profiled by its kind of data (`ml/data/kinds`;
or its cached schema reused), features coerced to the dtypes the pipeline expects, target
encoded."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import DataError
from mcp_server.ml.data.schema import GROUP_COLUMN

if TYPE_CHECKING:
    import pandas as pd

    from mcp_server.ml.data.kinds.base import DataKind
    from mcp_server.ml.data.schema import Schema


RAW_EXAMPLE_ROWS = 5


@dataclass
class Prepared:
    """A dataset made ready for a pipeline: features coerced, target encoded; `kind` read it and
    splits it (`kind.holdout`, `kind.folds`)."""

    schema: Schema
    X: pd.DataFrame
    y: Any
    rows: int
    columns: int
    sha256: str
    kind: DataKind
    warnings: list[str] = field(default_factory=list)
    raw_example: pd.DataFrame | None = (
        None  # a few feature rows as the table was read (MLflow signature)
    )
    groups: Any = None  # the SPEC's `group_column` of each labelled row (`kind.holdout`, `folds`)
    group_column: str | None = None  # that column's name


def prepare(
    path: Path,
    target: str,
    task: str = "auto",
    drop: list[str] | None = None,
    cache: Path | None = None,
    kind: DataKind | None = None,
    group_column: str | None = None,
) -> Prepared:
    """Read (by the dataset's kind: `kind_for(path)` unless given), profile and build the schema;
    drop rows whose target is missing.

    With `cache`, the schema and warnings are kept per (content, kind, target, task, drop): an
    agent that compares, trains and evaluates on one table profiles it once (the leakage checks
    alone cost seconds on a large table).

    `group_column` (the SPEC's) is never a feature; its values of the labelled rows are kept as
    `groups`, which the kind's holdout and folds keep together."""
    from mcp_server.ml.data.kinds.registry import kind_for
    from mcp_server.ml.modeling.preprocess import coerce_frame, encode_target

    kind = kind or kind_for(path)
    sha = kind.fingerprint(path)
    frame = kind.read(path)
    _check_drop(frame, drop, path)
    drop = _with_group(frame, path, target, drop, group_column)
    # a kind with options (a series' columns and horizon) keys the cache by them too
    key = _cache_key(sha, target, task, drop, getattr(kind, "cache_key", kind.name))
    schema, warnings = _cached_schema(cache, key) if cache else (None, [])
    if schema is None:
        schema, warnings = schema_from(frame, kind.profile(frame, target, task), drop)
        if group_column is not None:
            schema.dropped[group_column] = GROUP_COLUMN
        if cache:
            _store_schema(cache, key, schema, warnings)
    missing = frame[target].isna()
    if missing.any():
        warnings.append(f"{int(missing.sum())} rows with a missing target were left out")
        frame = frame.loc[~missing]
    rows, columns = int(len(frame) + missing.sum()), int(frame.shape[1])
    example = frame[schema.names].head(RAW_EXAMPLE_ROWS).copy()
    groups = None if group_column is None else frame[group_column].to_numpy(dtype=object)
    y = encode_target(frame[target], schema)
    return Prepared(
        schema=schema,
        X=coerce_frame(frame, schema, consume=True),
        y=y,
        rows=rows,
        columns=columns,
        sha256=sha,
        kind=kind,
        warnings=warnings,
        raw_example=example,
        groups=groups,
        group_column=group_column,
    )


def _with_group(
    frame: Any, path: Path, target: str, drop: list[str] | None, group_column: str | None
) -> list[str]:
    """The drop list and the SPEC's `group_column`, which names an entity, not a feature."""
    drop = list(drop or [])
    if group_column is None:
        return drop
    if group_column not in frame.columns or group_column == target:
        raise DataError(
            f"the SPEC's group_column {group_column!r} is not a column of {path.name} other "
            "than the target; name the column that identifies an entity (patient, customer)"
        )
    return drop if group_column in drop else [*drop, group_column]


def _check_drop(frame: Any, drop: list[str] | None, path: Path) -> None:
    unknown = [name for name in drop or [] if name not in frame.columns]
    if unknown:
        raise DataError(
            f"drop lists columns that are not in {path.name}: {unknown[:10]}; remove them from "
            "drop= (or the SPEC's drop)"
        )


def remember_profile(
    cache: Path, sha: str, frame: Any, profile: Any, task: str, kind: str = "table"
) -> None:
    """Keep the schema `prepare` builds from this profile (of `frame`, the dataset of that `kind`
    whose content hash is `sha`, for the `task` asked; no drop list): a train, comparison or
    evaluation of the same file and target right after `ml_profile_data` then skips profiling it
    again (seconds on a large table)."""
    if profile.target is None or profile.task is None:
        return
    try:
        schema, warnings = schema_from(frame, profile, None)
    except DataError:
        return  # no usable features: `prepare` says so itself
    _store_schema(cache, _cache_key(sha, profile.target, task, None, kind), schema, warnings)


def schema_from(frame: Any, profile: Any, drop: list[str] | None) -> tuple[Schema, list[str]]:
    from mcp_server.ml.data.schema import build_schema

    warnings = [
        f.message for f in profile.findings if f.severity == "error" and f.code != "leakage"
    ]
    schema = build_schema(frame, profile, drop)
    if not schema.features:
        raise DataError(
            f"no usable feature columns left after dropping {sorted(schema.dropped)[:10]}; "
            "take some out of drop= (or the SPEC's drop), or give data_path a table with features"
        )
    leaky = [name for name, why in schema.dropped.items() if why == "leakage"]
    if leaky:
        warnings.append(f"dropped columns that leak the target: {leaky[:10]}")
    return schema, warnings


def _cache_key(sha: str, target: str, task: str, drop: list[str] | None, kind: str) -> str:
    import hashlib

    from mcp_server import __version__

    raw = json.dumps([__version__, sha, kind, target, task, sorted(drop or [])])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def _cached_schema(cache: Path, key: str) -> tuple[Schema | None, list[str]]:
    from mcp_server.ml.data.schema import Schema

    try:
        data = json.loads((cache / f"{key}.json").read_text(encoding="utf-8"))
        return Schema.from_dict(data["schema"]), list(data["warnings"])
    except (OSError, ValueError, KeyError, TypeError):
        return None, []  # no entry, or an unreadable one: profile again


def _store_schema(cache: Path, key: str, schema: Schema, warnings: list[str]) -> None:
    from mcp_server.files.workspace import atomic_write

    text = json.dumps({"schema": schema.to_dict(), "warnings": warnings}, default=str)
    atomic_write(cache / f"{key}.json", text.encode("utf-8"))


def check_classes(y: Any, schema: Schema, need: int, why: str) -> None:
    """Every class needs `need` rows for a stratified split or fold."""
    import numpy as np

    if schema.task == "regression":
        return
    counts = np.bincount(y, minlength=len(schema.classes))
    small = [str(schema.classes[i]) for i, n in enumerate(counts) if n < need]
    if small:
        raise DataError(
            f"class(es) {small[:5]} of {schema.target!r} have fewer than {need} rows; "
            f"{why} needs at least "
            f"{need} per class. Collect more rows, merge rare classes or drop their rows (and "
            "pass the new file as data_path), or, for cross-validation, lower cv_folds."
        )
