"""Loading tables: CSV (encoding and delimiter sniffed) and Parquet, with clear refusals."""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mcp_server.core.errors import DataError
from mcp_server.ml.data.memory import available_memory_bytes, frame_bytes, release_after
from mcp_server.safety.guards import show

if TYPE_CHECKING:
    import pandas as pd

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".data"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
_SAMPLE_BYTES = 64 * 1024
# In-memory pandas frames of CSV text typically take 1-3x the file size; leave headroom.
_MEMORY_FACTOR = 4.0
# Arrow batches -> pandas needs the batches plus the frame (strings become Python objects).
_PARQUET_FACTOR = 3.0
MAX_CELLS = 500_000_000


@dataclass(frozen=True)
class CsvDialect:
    encoding: str
    delimiter: str


def file_sha256(path: Path) -> str:
    from mcp_server.safety.guards import check_regular_file

    check_regular_file(path, path.name)  # a directory, FIFO or device: refused, not read
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sniff_csv(path: Path) -> CsvDialect:
    """Guess encoding and delimiter from the first 64 KiB."""
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE_BYTES)
    if not sample.strip():
        raise DataError(
            f"{path.name} is empty: there is no header and no rows to read; give data_path a "
            "table with a header and rows"
        )
    # UTF-16 text has NULs
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(
            f"{path.name} looks like a binary file, not CSV text; give data_path a CSV or Parquet "
            "file"
        )
    encoding = _guess_encoding(sample)
    text = sample.decode(encoding, errors="replace")
    lines = text.splitlines()
    if len(lines) > 1 and len(sample) == _SAMPLE_BYTES:
        lines = lines[:-1]  # the last line may be cut in the middle
    head = "\n".join(lines[:50])
    try:
        delimiter = csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = "\t" if path.suffix == ".tsv" else ","
    return CsvDialect(encoding=encoding, delimiter=delimiter)


def _guess_encoding(sample: bytes) -> str:
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for encoding in ("utf-8", "cp1252"):
        try:
            sample.decode(encoding)
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the end of the sample is still UTF-8.
            if encoding == "utf-8" and exc.start >= len(sample) - 3:
                return encoding
            continue
        return encoding
    return "latin-1"


def check_memory(path: Path, factor: float = _MEMORY_FACTOR) -> None:
    """Refuse a file that would not fit in memory, before the machine starts swapping."""
    size = path.stat().st_size
    need = size * factor
    have = available_memory_bytes()
    if need > have:
        raise DataError(
            f"{path.name} is {size / 2**20:,.0f} MiB; loading it needs about "
            f"{need / 2**20:,.0f} MiB "
            f"but only {have / 2**20:,.0f} MiB is available. Sample it first (e.g. the first rows "
            "or a random fraction) or convert it to Parquet with only the columns you need, and "
            "give data_path the smaller file."
        )


def check_csv_cells(path: Path, dialect: CsvDialect) -> None:
    """Refuse a CSV whose cells (not bytes) would not fit: an empty cell is one byte on disk and
    eight in a float64 column (twice that while pandas parses), so `check_memory`'s bytes-based
    factor underestimates a file of mostly empty or one-digit cells."""
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE_BYTES)
    lines = sample.decode(dialect.encoding, errors="replace").splitlines() or [""]
    lines = lines[:-1] if len(lines) > 1 else lines  # the last line may be cut short
    columns = max(line.count(dialect.delimiter) for line in lines[:50]) + 1
    rows = path.stat().st_size / max(1.0, sum(len(line) + 1 for line in lines) / len(lines))
    cells, have = rows * columns, available_memory_bytes()
    if cells > MAX_CELLS or cells * 16 > have:
        raise DataError(
            f"{path.name} holds about {cells:,.0f} cells ({rows:,.0f} rows x {columns:,} "
            "columns), about "
            f"{cells * 16 / 2**20:,.0f} MiB to parse with {have / 2**20:,.0f} MiB "
            "available; sample it first and give data_path the sample"
        )


def load_table(path: Path, *, max_rows: int | None = None, release: bool = True) -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame, or raise `DataError` saying why not.
    `release=False` leaves the reader's freed memory to the allocator (a loop of many reads)."""
    from mcp_server.safety.guards import check_regular_file

    check_regular_file(
        path, path.name
    )  # missing, a directory, a FIFO or a device: refused before opening
    if path.stat().st_size == 0:
        raise DataError(f"{path.name} is empty (0 bytes); give data_path a table with rows")
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        frame = _read_parquet(path)
    elif suffix in CSV_SUFFIXES or suffix == "":
        check_memory(path)
        dialect = sniff_csv(path)
        if max_rows is None:
            check_csv_cells(path, dialect)
        frame = _read_csv(path, dialect, max_rows)
    else:
        raise DataError(
            f"{path.name}: unsupported file type {suffix!r}; give data_path a .csv, .tsv or "
            ".parquet file"
        )
    if release:  # the reader's buffers, after a large read: the table itself is all that stays
        release_after(max(path.stat().st_size, frame_bytes(frame)))
    if max_rows is not None:
        frame = frame.head(max_rows)
    if frame.shape[1] == 0:
        raise DataError(f"{path.name} has no columns; give data_path a table with a header row")
    if frame.shape[0] == 0:
        raise DataError(f"{path.name} has a header but no rows; give data_path a table with rows")
    return frame


def _read_parquet(path: Path) -> pd.DataFrame:
    """Read batch by batch, counting the real decompressed bytes and cells against the guard.

    Why not the file's metadata: a hostile file states what it likes, and a few KB of Parquet
    can decompress to gigabytes; only the decoded batches tell the truth.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
        if source.metadata.num_columns > MAX_CELLS // 10:
            raise DataError(
                f"{path.name} has {source.metadata.num_columns:,} columns; write the columns "
                "you need to a new file and give data_path that file"
            )
        budget = available_memory_bytes() / _PARQUET_FACTOR
        batches, used, cells = [], 0, 0
        for batch in source.iter_batches(batch_size=16_384):
            used, cells = used + batch.nbytes, cells + batch.num_rows * batch.num_columns
            if used > budget or cells > MAX_CELLS:
                raise DataError(
                    f"{path.name} decompresses to more than "
                    f"{min(used, budget * 2) / 2**20:,.0f} MiB or "
                    f"{MAX_CELLS:,} cells, more than memory allows; sample it first and give "
                    "data_path the sample"
                )
            batches.append(batch)
        frame: pd.DataFrame = pa.Table.from_batches(batches, schema=source.schema_arrow).to_pandas()
        return frame
    except DataError:
        raise
    except Exception as exc:
        raise DataError(
            f"{path.name} is not a readable Parquet file "
            f"({show(str(exc).splitlines()[0] if str(exc) else exc, 200)}); rewrite it or give "
            "data_path another file"
        ) from exc


def _read_csv(path: Path, dialect: CsvDialect, max_rows: int | None) -> pd.DataFrame:
    import pandas as pd

    from mcp_server.ml.data.arrow_csv import read_csv_lean

    use_arrow = max_rows is None and dialect.encoding in ("utf-8", "utf-8-sig") and os.cpu_count()
    try:
        if use_arrow:
            try:
                lean = read_csv_lean(path, dialect.delimiter, dialect.encoding)
                if lean is not None:
                    return lean
                return pd.read_csv(
                    path, sep=dialect.delimiter, engine="pyarrow", encoding=dialect.encoding
                )
            except Exception:  # noqa: S110 - the pyarrow engine is stricter; the C engine decides
                pass
        return pd.read_csv(
            path, sep=dialect.delimiter, encoding=dialect.encoding, nrows=max_rows, low_memory=False
        )
    except pd.errors.EmptyDataError as exc:
        raise DataError(
            f"{path.name} has no header and no rows; give data_path a table with a header and rows"
        ) from exc
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(
            f"{path.name} is not a well-formed CSV file ({message}); fix it or give data_path "
            "another file"
        ) from exc


def check_loadable(path: Path) -> None:
    """Refuse a text table too large to load here (Parquet is read column by column: not
    checked)."""
    if path.suffix.lower() not in PARQUET_SUFFIXES:
        check_memory(path)
