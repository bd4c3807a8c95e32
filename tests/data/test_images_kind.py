"""The images kind: an image folder is detected, read as sorted (path, label) rows, fingerprinted
by content, profiled (classes, sizes, modes, unreadable and duplicate files) and split like a
table; what it cannot read is refused in one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from mcp_server.core.errors import DataError, MoaiMlError
from mcp_server.ml.data.kinds.images import ImageFolderKind
from mcp_server.ml.data.kinds.registry import check_route, kind_for
from mcp_server.ml.modeling.registry import REGISTRY
from tests.image_support import digits_folder


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return digits_folder(tmp_path / "digits", per_class=6)


def test_a_folder_of_class_folders_of_images_is_the_images_kind_and_a_csv_stays_a_table(
    folder: Path, tmp_path: Path
):
    assert kind_for(folder).name == "images"
    (tmp_path / "t.csv").write_text("a,b\n1,2\n")
    assert kind_for(tmp_path / "t.csv").name == "table"
    empty = tmp_path / "empty" / "cat"
    empty.mkdir(parents=True)
    (empty / "notes.txt").write_text("no images here")
    assert kind_for(empty.parent).name == "table"


def test_reading_gives_sorted_absolute_paths_and_their_folder_labels(folder: Path):
    rows = ImageFolderKind().read(folder)
    assert list(rows.columns) == ["path", "label"] and len(rows) == 60
    assert rows["label"].tolist() == sorted(rows["label"].tolist())
    assert rows["label"].value_counts().to_dict() == {str(d): 6 for d in range(10)}
    assert all(Path(p).is_absolute() and Path(p).parent.name == label for p, label in rows.values)


def test_the_fingerprint_follows_the_bytes_not_the_timestamps(folder: Path):
    kind = ImageFolderKind()
    before = kind.fingerprint(folder)
    first = next((folder / "3").glob("*.png"))
    shutil.copystat(first, first)  # touched, same bytes
    assert kind.fingerprint(folder) == before
    first.write_bytes((folder / "4" / next((folder / "4").glob("*.png")).name).read_bytes())
    assert kind.fingerprint(folder) != before


def test_the_profile_reports_classes_sizes_modes_and_unreadable_and_duplicate_files(folder: Path):
    kind = ImageFolderKind()
    (folder / "5" / "broken.png").write_bytes(b"not a png at all")
    original = next((folder / "2").glob("*.png"))
    shutil.copy(original, folder / "2" / "copy.png")
    profile = kind.profile(kind.read(folder), "label", "auto")
    assert profile.task == "multiclass" and profile.rows == 61
    assert profile.target_summary["counts"]["2"] == 7
    assert profile.details["sizes"] == {"8x8": 61} and profile.details["modes"] == {"L": 61}
    codes = {f.code: f for f in profile.findings}
    assert codes["unreadable_images"].severity == "error"
    assert "5/broken.png" in codes["unreadable_images"].message
    assert f"2/copy.png = 2/{original.name}" in codes["duplicate_images"].message
    assert profile.duplicate_rows == 1


def test_what_cannot_be_read_is_refused_in_one_line(tmp_path: Path, folder: Path):
    broken = tmp_path / "broken" / "cat"
    broken.mkdir(parents=True)
    (broken / "a.png").write_bytes(b"garbage")
    with pytest.raises(DataError, match=r"no readable image under broken/<label>/.*1 unreadable"):
        ImageFolderKind().read(broken.parent)
    with pytest.raises(DataError, match="an image folder's target is 'label'"):
        ImageFolderKind().profile(ImageFolderKind().read(folder), "digit", "auto")


def test_the_holdout_is_the_tables_seeded_stratified_split(folder: Path):
    kind = ImageFolderKind()
    rows = kind.read(folder)
    y = np.unique(rows["label"], return_inverse=True)[1]
    train, test = kind.holdout(rows, y, "multiclass", 0.2, 7)
    again = kind.holdout(rows, y, "multiclass", 0.2, 7)
    assert train.tolist() == again[0].tolist() and len(test) == 12
    assert sorted(np.bincount(y[test]).tolist()) == [1] * 8 + [2] * 2


def test_only_the_image_families_fit_images_and_the_routes_name_what_is_refused():
    kind = ImageFolderKind()
    accepted = [name for name, spec in REGISTRY.items() if kind.accepts(spec)]
    assert accepted == ["image_cnn", "keras_cnn", "image_pretrained"]
    check_route("images", "export", "joblib")
    with pytest.raises(
        MoaiMlError,
        match=r"'skops' is not .* images data; pass format= one of joblib, pickle, onnx$",
    ):
        check_route("images", "export", "skops")
    check_route("images", "serving", "joblib")  # the upload service
    with pytest.raises(
        MoaiMlError,
        match=r"'onnx' is not .* images data; pass runtime= one of joblib, torchserve, tfserving$",
    ):
        check_route("images", "serving", "onnx")
    check_route("table", "serving", None)
