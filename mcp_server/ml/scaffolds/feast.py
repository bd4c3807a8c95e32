"""`ml_scaffold_feast`: a Feast feature repository (local provider) for one table.

The table becomes a Parquet FileSource (with its event timestamp, or a generated one); the
FeatureView's schema follows the data profile (integers Int64, floats Float64, booleans Bool,
datetimes UnixTimestamp, everything else String). training.py fetches point-in-time correct rows
from the offline store, serving.py the latest values from the SQLite online store. Feast itself
runs in its own environment (it needs pandas<3); this module only uses pandas and pyarrow.
"""

from __future__ import annotations

import io
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import DataError, MoaiMlError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.scaffolds.feast_table import check_entity, feature_frame, timestamps
from mcp_server.ml.scaffolds.output import render_group, write_all

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class FeastScaffold:
    name: str
    folder: str
    entity: str
    timestamp: str
    timestamp_generated: bool
    features: dict[str, str]  # feature -> Feast dtype
    rows: int
    entities: int
    time_range: list[str]  # first and last event time (ISO, UTC)
    files_written: list[str]
    files_unchanged: list[str]
    files_skipped: list[str]
    next_step: str
    warnings: list[str] = field(default_factory=list)


def _parquet(frame: pd.DataFrame) -> bytes:
    """Arrow-typed Parquet without pandas metadata (Feast's pandas 2 reads what pandas 3 wrote):
    strings as `string`, datetimes as UTC timestamps, the rest as Arrow infers it."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {}
    for name in frame.columns:
        series = frame[name]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            values = series.dt.tz_convert(None).to_numpy()
            arrays[str(name)] = pa.array(
                values, type=pa.timestamp("us", tz="UTC"), mask=series.isna().to_numpy()
            )
        elif pd.api.types.is_string_dtype(series) or series.dtype == object:
            arrays[str(name)] = pa.array(
                series.astype(object).where(series.notna(), None).tolist(), type=pa.string()
            )
        else:
            arrays[str(name)] = pa.array(series.to_numpy(), mask=series.isna().to_numpy())
    buffer = io.BytesIO()
    pq.write_table(pa.table(arrays), buffer)
    return buffer.getvalue()


def _context(
    name: str,
    source_rel: str,
    entity: str,
    key: pd.Series,
    ts: str,
    dtypes: dict[str, str],
    ttl: int,
) -> dict[str, Any]:
    import pandas as pd

    from mcp_server.files.render import to_identifier

    integer = pd.api.types.is_integer_dtype(key)
    entity_dtype = "Int64" if integer else "String"
    return {
        "name": name,
        "source_rel": source_rel,
        "entity": entity,
        "entity_name": to_identifier(entity, "entity"),
        "entity_value_type": "INT64" if integer else "STRING",
        "entity_dtype": entity_dtype,
        "timestamp": ts,
        "view": f"{name}_features",
        "service": f"{name}_service",
        "fields": [{"name": n, "dtype": d} for n, d in dtypes.items()],
        "type_imports": sorted({entity_dtype, *dtypes.values()}),
        "ttl_days": ttl,
    }


def _load(
    workspace: Workspace, data_path: str, name: str | None, columns: list[str | None]
) -> tuple[Path, pd.DataFrame, str]:
    """The table, and the repository's name (a Feast project name: lower-case identifier)."""
    from mcp_server.files.render import to_identifier
    from mcp_server.ml.data.tables import load_table

    path = workspace.resolve(data_path, must_exist=True)
    frame = load_table(path)
    repo = name or to_identifier(path.stem, "features")
    if repo != to_identifier(repo, "features"):
        raise MoaiMlError(
            f"name {repo!r} must be lower-case letters, digits and underscores (a Feast "
            "project name); pass such a name="
        )
    missing = [c for c in columns if c is not None and c not in frame.columns]
    if missing:
        raise DataError(
            f"column(s) not in {data_path}: {missing}; pass target= and drop= columns it has"
        )
    return path, frame, repo


def scaffold_feast(
    workspace: Workspace,
    data_path: str,
    entity: str,
    *,
    timestamp_column: str | None = None,
    name: str | None = None,
    target: str | None = None,
    drop: list[str] | None = None,
    ttl_days: int = 0,
    overwrite: bool = False,
) -> FeastScaffold:
    """Check the table (entity, timestamp, uniqueness), render the repository, then write it all."""
    import pandas as pd

    path, frame, repo = _load(workspace, data_path, name, [target, *(drop or [])])
    stamps, ts_name, generated = timestamps(frame, timestamp_column, path.stat().st_mtime)
    check_entity(frame, entity, stamps, ts_name)
    exclude = {c for c in [target, *(drop or [])] if c is not None}
    features, dtypes = feature_frame(frame, entity, timestamp_column, exclude)
    table = pd.concat(
        [frame[[entity]], pd.DataFrame({ts_name: stamps}, index=frame.index), features], axis=1
    )
    folder, files = _repository_files(
        repo, workspace.relative(path), frame[entity], ts_name, dtypes, ttl_days, table
    )
    report = write_all(workspace, files, overwrite)
    first, last = stamps.min(), stamps.max()
    return FeastScaffold(
        name=repo,
        folder=folder,
        entity=entity,
        timestamp=ts_name,
        timestamp_generated=generated,
        features=dtypes,
        rows=len(table),
        entities=int(frame[entity].nunique()),
        time_range=[first.isoformat(), last.isoformat()],
        files_written=report.written,
        files_unchanged=report.unchanged,
        files_skipped=report.skipped,
        next_step=_next_step(folder, entity, first, last),
        warnings=[f"kept files a person edited (overwrite=true replaces them): {report.skipped}"]
        * bool(report.skipped),
    )


def _repository_files(
    repo: str,
    data_rel: str,
    keys: pd.Series,
    ts_name: str,
    dtypes: dict[str, str],
    ttl_days: int,
    table: pd.DataFrame,
) -> tuple[str, dict[str, bytes | str]]:
    """The repository's folder and its files: the rendered group and the entity table's Parquet."""
    from mcp_server.files.template_sets import template_set

    tset = template_set("feast")  # paths only; render_group renders and checks the files
    folder = posixpath.dirname(tset.path("feature_store", {"name": repo}))
    source = tset.path("source", {"name": repo})
    context = _context(repo, data_rel, str(keys.name), keys, ts_name, dtypes, ttl_days)
    context["parquet_rel"] = posixpath.relpath(source, folder)
    files: dict[str, bytes | str] = dict(render_group("feast", "repository", context))
    files[source] = _parquet(table)
    return folder, files


def _next_step(folder: str, entity: str, first: pd.Timestamp, last: pd.Timestamp) -> str:
    import pandas as pd

    start = (first - pd.Timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    end = (last + pd.Timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
    return (
        f"In {folder}, with Feast installed (it needs pandas<3: its own venv): `feast apply`, then "
        f"`feast materialize {start} {end}`; training.py and serving.py fetch features by "
        f"{entity!r}."
    )
