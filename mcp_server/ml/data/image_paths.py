"""Image files named by a table or gathered from a folder.

A table's image-path column holds paths relative to the table's own folder. They are resolved
there, and a path that leaves that folder (an absolute path, `..` past it, a link pointing out)
or names no readable file is refused in one line: the table's folder lies in the workspace, so
nothing outside the workspace is ever opened through a table. A folder of images is either an
image folder (`<root>/<label>/*.png`, `kinds.images`) or a flat folder of unlabelled images (new
images to check for drift).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from mcp_server.core.errors import DataError
from mcp_server.ml.data.image_profile import PATH_COLUMN
from mcp_server.ml.data.kinds.images import IMAGE_SUFFIXES, ImageFolderKind, image_files

if TYPE_CHECKING:
    import pandas as pd

SAMPLED = 20  # values looked at to call a column an image-path column


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


def image_columns(frame: pd.DataFrame) -> list[str]:
    return [str(c) for c in frame.columns if is_image_column(frame[c])]


def resolve_image_paths(frame: pd.DataFrame, table: Path) -> pd.DataFrame:
    """`frame` with each image-path column's values made absolute (relative to `table`'s
    folder); a path outside that folder or not a readable file is refused."""
    base = table.resolve().parent
    out = frame.copy()
    for column in image_columns(frame):
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
            "paths relative to the table's folder, inside it"
        )
    if not path.is_file() or not os.access(path, os.R_OK):
        raise DataError(
            f"{table.name}: {column} value {value!r} is no readable file under {base.name}/; "
            "fix the path or put the image there"
        )
    return str(path)


def folder_rows(path: Path) -> pd.DataFrame | None:
    """A folder's images as rows: an image folder's (`path`, `label`), a flat folder's `path`
    only; None when the folder holds no image."""
    import pandas as pd

    kind = ImageFolderKind()
    if kind.detect(path):
        return kind.read(path)
    files = image_files(path)
    if not files:
        return None
    return pd.DataFrame({PATH_COLUMN: [str(f) for f in files]})
