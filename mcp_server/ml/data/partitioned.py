"""A partitioned dataset: a folder of Parquet files (`data/events/`, as Spark, Dask and
`pyarrow.dataset` write them), one Parquet or CSV file, or a glob of CSV or Parquet files
(`data/2026-*/part-*.csv`). One file is one partition, in sorted order, so a partition keeps its
identity between runs (what a resumed batch score relies on).

Every file is resolved through `Workspace.resolve`, the glob's folder and each match alike: a
pattern or a symlink that leads out of the workspace is refused, never read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mcp_server.core.errors import DataError
from mcp_server.ml.data.tables import CSV_SUFFIXES, PARQUET_SUFFIXES

if TYPE_CHECKING:
    import pandas as pd

    from mcp_server.files.workspace import Workspace

GLOB = frozenset("*?[")
MAX_PARTITIONS = 100_000
PARQUET = PARQUET_SUFFIXES | {".parq"}


@dataclass(frozen=True)
class Partitioned:
    """The files of a dataset, sorted; `names` are their paths relative to the workspace."""

    reference: str  # as the caller gave it
    fmt: str  # "parquet" or "csv"
    files: tuple[Path, ...]
    names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.files)


def is_partitioned(workspace: Workspace, reference: str) -> bool:
    """A glob or a folder (a single file is an ordinary table), unless another kind of data
    claims the folder whole (`claimed_by`)."""
    if any(c in reference for c in GLOB):
        return True
    path = workspace.resolve(reference)
    return path.is_dir() and claimed_by(path) is None


def claimed_by(path: Path) -> str | None:
    """The kind of data other than tables that reads this folder as one dataset (an image
    folder, `<root>/<label>/*.png`), or None: such a folder is not a set of partitions."""
    from mcp_server.ml.data.kinds.registry import DEFAULT, kind_for

    if not path.is_dir():
        return None
    name = kind_for(path).name
    return None if name == DEFAULT else name


def partitions(workspace: Workspace, reference: str) -> Partitioned:
    """The dataset's files, one partition each; refused in one line when there are none or they
    mix formats."""
    if any(c in reference for c in GLOB):
        found = _globbed(workspace, reference)
    else:
        path = workspace.resolve(reference, must_exist=True)
        if (kind := claimed_by(path)) is not None:
            raise DataError(
                f"{reference!r} is a folder of kind {kind!r}, not a set of table partitions; "
                "give data_path a folder of Parquet files or a glob of CSV or Parquet files"
            )
        found = _folder(workspace, path, reference) if path.is_dir() else [path]
    if not found:
        raise DataError(
            f"{reference!r} matches no data file; give data_path a folder of Parquet files, a "
            "Parquet or CSV file, or a glob of them (data/parts/*.csv)"
        )
    if len(found) > MAX_PARTITIONS:
        raise DataError(
            f"{reference!r} has {len(found)} files (at most {MAX_PARTITIONS}); compact them into "
            "fewer, larger files and give data_path their folder"
        )
    files = sorted(dict.fromkeys(found))
    return Partitioned(
        reference, _format(files, reference), tuple(files), tuple(map(workspace.relative, files))
    )


def empty_like(source: str) -> pd.DataFrame:
    """A partition's columns without its rows (what Dask needs to plan), read cheaply: a Parquet
    file's schema, a CSV file's first rows."""
    from mcp_server.ml.data.tables import load_table

    path = Path(source)
    if path.suffix.lower() in PARQUET:
        import pyarrow.parquet as pq

        try:
            empty: pd.DataFrame = pq.read_schema(path).empty_table().to_pandas()
        except Exception as exc:  # a truncated or hostile footer
            first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            raise DataError(
                f"{path.name} is not a readable Parquet file ({first}); rewrite or remove it, "
                "then give data_path the folder again"
            ) from exc
        return empty
    return load_table(path, max_rows=100).iloc[:0]


def _globbed(workspace: Workspace, reference: str) -> list[Path]:
    parts = Path(reference).parts
    first = next(i for i, p in enumerate(parts) if any(c in p for c in GLOB))
    base = workspace.resolve(Path(*parts[:first]) if first else ".", must_exist=True)
    pattern = str(Path(*parts[first:]))
    if ".." in parts[first:]:
        raise DataError(
            f"glob {reference!r} climbs with '..'; give data_path a pattern below its folder"
        )
    try:
        matches = [m for m in base.glob(pattern) if not _hidden(m, base)]
    except ValueError as exc:  # a pattern pathlib refuses ('**' inside a part)
        raise DataError(
            f"give data_path a glob pathlib accepts ({exc}): {reference!r} is not one"
        ) from exc
    return [workspace.resolve(m, must_exist=True) for m in matches if m.is_file()]


def _folder(workspace: Workspace, folder: Path, reference: str) -> list[Path]:
    files = [
        workspace.resolve(p, must_exist=True)
        for p in folder.rglob("*")
        if p.suffix.lower() in PARQUET and not _hidden(p, folder) and p.is_file()
    ]
    if not files and any(p.suffix.lower() in CSV_SUFFIXES for p in folder.iterdir()):
        raise DataError(
            f"{reference!r} is a folder of CSV files; give them to data_path as a glob "
            f"({reference}/*.csv)"
        )
    return files


def _hidden(path: Path, base: Path) -> bool:
    """Files a writer keeps beside its data (`_SUCCESS`, `_metadata`, `.part.tmp`)."""
    return any(p.startswith((".", "_")) for p in path.relative_to(base).parts)


def _format(files: list[Path], reference: str) -> str:
    kinds = {
        "parquet"
        if f.suffix.lower() in PARQUET
        else "csv"
        if f.suffix.lower() in CSV_SUFFIXES
        else f.suffix
        for f in files
    }
    if len(kinds) == 1 and kinds <= {"parquet", "csv"}:
        return kinds.pop()
    raise DataError(
        f"{reference!r} mixes or holds no table files ({', '.join(sorted(kinds))}); give "
        "data_path Parquet or CSV files of one format"
    )


def fingerprint(dataset: Partitioned) -> str:
    """The listing's hash (names, sizes, modification times): a run's `moai.data_sha256` for a
    dataset too large to hash byte by byte in the server."""
    digest = hashlib.sha256()
    for name, path in zip(dataset.names, dataset.files, strict=True):
        stat = path.stat()
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


__all__ = [
    "Partitioned",
    "claimed_by",
    "empty_like",
    "fingerprint",
    "is_partitioned",
    "partitions",
]
