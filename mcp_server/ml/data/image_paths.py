"""Image files named by a table or gathered from a folder.

A table's image-path column holds paths relative to the table's own folder. They are resolved
there, and a path that leaves that folder (an absolute path, `..` past it, a link pointing out)
or names no readable file is refused in one line: the table's folder lies in the workspace, so
nothing outside the workspace is ever opened through a table. A CSV file with such a column
is image data (`kinds.images` reads it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from mcp_server.core.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
SAMPLED = 20  # values looked at to call a column an image-path column
TABLE_SUFFIXES = (".csv",)  # tables whose image-path column makes them image data


def is_image_column(series: pd.Series) -> bool:
    """Whether a column's values (its first `SAMPLED` non-missing ones) all name image files."""
    import pandas as pd

    values = series.dropna()
    if values.empty or not pd.api.types.is_string_dtype(series.dtype):
        return False
    return all(
        isinstance(v, str) and Path(v).suffix.lower() in IMAGE_SUFFIXES
        for v in values.iloc[:SAMPLED]
    )


def image_columns(frame: pd.DataFrame, table: Path | None = None) -> list[str]:
    """The image-path columns; with `table`, only those of whose sampled values at least one
    names a file in the table's folder (a column of file names whose files are elsewhere, such
    as a web address, leaves the table a plain table)."""
    found = [str(c) for c in frame.columns if is_image_column(frame[c])]
    if table is None:
        return found
    base = table.resolve().parent
    return [c for c in found if any((base / str(v)).is_file() for v in frame[c].dropna()[:SAMPLED])]


def resolve_image_paths(frame: pd.DataFrame, table: Path) -> pd.DataFrame:
    """`frame` with each image-path column's values made absolute (relative to `table`'s
    folder); a path outside that folder or not a readable file is refused."""
    base = table.resolve().parent
    out = frame.copy()
    for column in image_columns(frame, table):
        out[column] = [
            _inside(base, value, table, column) if isinstance(value, str) else None
            for value in frame[column]
        ]
    return out


def _inside(base: Path, value: str, table: Path, column: str) -> str:
    path = (base / value).resolve()
    if not path.is_relative_to(base):
        raise DataError(
            f"{table.name}: {column} value {value!r} lies outside the table's folder; give image "
            "paths relative to the table's folder, inside it, in the table passed as data_path="
        )
    if not path.is_file() or not os.access(path, os.R_OK):
        raise DataError(
            f"{table.name}: {column} value {value!r} is no readable file under {base.name}/; "
            "fix the path in the table passed as data_path=, or put the image there"
        )
    return str(path)


def image_table(path: Path) -> bool:
    """Whether `path` is a CSV file with an image-path column (its first rows looked at)."""
    import pandas as pd

    if not path.is_file() or path.suffix.lower() not in TABLE_SUFFIXES:
        return False
    try:
        head = pd.read_csv(path, nrows=SAMPLED)
    except (ValueError, OSError, UnicodeDecodeError):
        return False  # the table kind's reader says why
    return bool(image_columns(head, path))


def read_image_table(path: Path) -> pd.DataFrame:
    """The table with its image column first (the image families read the first column), its
    paths resolved (`resolve_image_paths`); one image column only."""
    from mcp_server.ml.data.tables import load_table

    frame = load_table(path)
    found = image_columns(frame, path)
    if len(found) != 1:
        raise DataError(
            f"{path.name} has {len(found)} image-path columns ({found[:3]}); keep one column of "
            "image paths and one label column in the table passed as data_path="
        )
    frame = resolve_image_paths(frame.loc[frame[found[0]].notna()], path)
    return frame[[found[0], *[c for c in frame.columns if c != found[0]]]].reset_index(drop=True)
