"""Images: a folder of class sub-folders of image files (`<root>/<label>/*.png|jpg|...`, the layout
`torchvision.datasets.ImageFolder` and Keras' `image_dataset_from_directory` read), or a CSV table
with an image-path column (relative to the table's folder, `image_paths`) and a label column.

The rows are a table of two columns, `path` (the file's absolute path) and `label` (its folder's
name), sorted by label then file name, so a position always names the same image. Reading lists
the files and opens each one's header (Pillow reads no pixels for that): files Pillow cannot open
are left out of the rows and reported by the profile, with the duplicates (equal bytes), the
classes and their counts, and the images' sizes and modes (`images_summary`). The holdout and the
folds are the table kind's (seeded, stratified on the classes); the families are the registry's
entries that list "images".
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import DataError
from mcp_server.ml.data.image_paths import IMAGE_SUFFIXES, image_table, read_image_table
from mcp_server.ml.data.image_profile import LABEL_COLUMN, PATH_COLUMN, UNREADABLE
from mcp_server.ml.data.kinds.base import FamilyTraits, Routes, named_in_family
from mcp_server.ml.data.kinds.table import TableKind

if TYPE_CHECKING:
    import pandas as pd

    from mcp_server.ml.data.profile import Profile

IMAGES = "images"
MAX_IMAGES = 200_000  # more files than this are refused before a job starts


def image_files(folder: Path) -> list[Path]:
    """The image files directly inside `folder`, by name (hidden files aside)."""
    return sorted(
        Path(entry.path)
        for entry in os.scandir(folder)
        if entry.is_file()
        and not entry.name.startswith(".")
        and Path(entry.name).suffix.lower() in IMAGE_SUFFIXES
    )


def class_folders(root: Path) -> list[Path]:
    """The class sub-folders of `root`, by name (hidden folders aside)."""
    return sorted(
        Path(entry.path)
        for entry in os.scandir(root)
        if entry.is_dir() and not entry.name.startswith(".")
    )


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class ImageFolderKind:
    """A folder of labelled image folders; see the module doc."""

    name = IMAGES
    routes = Routes(
        export_formats=("joblib", "pickle", "onnx"),
        # an upload service (`serving.images`), TorchServe's handler for the PyTorch CNN, a
        # keras_cnn run's SavedModel (`tfserving_images`)
        serving_runtimes=("joblib", "torchserve", "tfserving"),
        tdd_templates="tdd_images",  # its own tests: label set, raw files and bytes in
    )

    def detect(self, path: Path) -> bool:
        if path.is_file():
            return image_table(path)
        if not path.is_dir():
            return False
        return any(
            any(Path(f).suffix.lower() in IMAGE_SUFFIXES for f in os.listdir(folder))
            for folder in class_folders(path)[:50]
        )

    def check_size(self, path: Path) -> None:
        if path.is_file():
            return TableKind().check_size(path)
        count = sum(len(image_files(folder)) for folder in class_folders(path))
        if count > MAX_IMAGES:
            raise DataError(
                f"{path.name} holds {count:,} images, more than the {MAX_IMAGES:,} read here; "
                "give data_path a folder holding a sample of each class's images"
            )

    def fingerprint(self, path: Path) -> str:
        """Every image's relative path and content hash, in order (after a table's own hash)."""
        digest = hashlib.sha256()
        if path.is_file():
            digest.update(file_sha256(path).encode())
            for file in read_image_table(path).iloc[:, 0].dropna():
                digest.update(f"{file}\0{file_sha256(Path(file))}\n".encode())
            return digest.hexdigest()
        for folder in class_folders(path):
            for file in image_files(folder):
                digest.update(f"{folder.name}/{file.name}\0{file_sha256(file)}\n".encode())
        return digest.hexdigest()

    def read(self, path: Path) -> pd.DataFrame:
        import pandas as pd

        if path.is_file():
            return read_image_table(path)
        rows: list[tuple[str, str]] = []
        unreadable: list[str] = []
        for folder in class_folders(path):
            for file in image_files(folder):
                if _opens(file):
                    rows.append((str(file), folder.name))
                else:
                    unreadable.append(f"{folder.name}/{file.name}")
        if not rows:
            found = f"; {len(unreadable)} unreadable file(s)" if unreadable else ""
            raise DataError(
                f"no readable image under {path.name}/<label>/ ({', '.join(IMAGE_SUFFIXES)})"
                f"{found}: put each class's images in a sub-folder named after the class and give "
                "data_path their parent folder"
            )
        frame = pd.DataFrame(rows, columns=[PATH_COLUMN, LABEL_COLUMN])
        frame.attrs[UNREADABLE] = unreadable
        return frame

    def profile(self, rows: pd.DataFrame, target: str | None, task: str) -> Profile:
        from mcp_server.ml.data.image_profile import profile_images  # PIL: loaded when used

        return profile_images(rows, target, task)

    def holdout(
        self, rows: Any, y: Any, task: str, test_size: float, seed: int, groups: Any = None
    ) -> tuple[Any, Any]:
        return TableKind().holdout(rows, y, task, test_size, seed, groups)

    def folds(self, task: str, n_folds: int, seed: int, groups: Any = None) -> Any:
        return TableKind().folds(task, n_folds, seed, groups)

    def accepts(self, family: FamilyTraits) -> bool:
        return named_in_family(self, family)


def folder_rows(path: Path) -> pd.DataFrame | None:
    """A folder's images as rows: an image folder's (`path`, `label`), a flat folder's `path`
    only (new, unlabelled images); None when the folder holds no image."""
    import pandas as pd

    kind = ImageFolderKind()
    if kind.detect(path):
        return kind.read(path)
    files = image_files(path)
    if not files:
        return None
    return pd.DataFrame({PATH_COLUMN: [str(f) for f in files]})


def _opens(file: Path) -> bool:
    """Whether Pillow can open the file (its header only: no pixels are decoded)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(file) as image:
            image.size  # noqa: B018 - the header is parsed on open; touching size proves it
        return True
    except (OSError, UnidentifiedImageError, ValueError):
        return False
