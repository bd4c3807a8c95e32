"""Images and texts watched for drift without labels (`monitoring.content_drift`): the table's
tests on each image's size, brightness, contrast and embedding distance, and on each text's
length, out-of-vocabulary rate and embedding distance; a shifted set is flagged by the property
that moved, an unshifted one is not."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mcp_server.core.errors import DataError
from mcp_server.ml.data.image_paths import resolve_image_paths
from mcp_server.ml.data.kinds.images import ImageFolderKind, folder_rows
from mcp_server.ml.monitoring.content_drift import content_verdict, expand
from mcp_server.ml.monitoring.drift import detect
from mcp_server.ml.monitoring.impact import judge
from tests.monitoring.content_shift import digit_images, tickets

pytestmark = pytest.mark.xdist_group("content_drift")


def check(reference: pd.DataFrame, current: pd.DataFrame) -> tuple[bool, list[str], str]:
    """The verdict, the drifted columns and the headline, as `ml_detect_drift` judges them."""
    names = [c for c in reference.columns if c in current.columns]
    tested = expand(reference, current, names)
    report = detect(tested.reference, tested.current, tested.columns)
    impact = content_verdict(judge(report, None, None), report, tested)
    return impact.drift, report.drifted_columns, impact.headline


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    root = tmp_path_factory.mktemp("digits")
    reference = pd.DataFrame({"image": digit_images(root / "reference", 0, 600)})
    return {
        "reference": reference,
        **{
            how: pd.DataFrame({"image": digit_images(root / how, 900, 300, how)})
            for how in ("same", "brighter", "resized")
        },
    }


def test_unshifted_digit_images_read_no_drift(digits):
    drift, drifted, headline = check(digits["reference"], digits["same"])
    assert not drift and drifted == [], headline
    assert headline == "no drift: no column drifted"


def test_brighter_digit_images_are_flagged_by_their_brightness_not_their_size(digits):
    drift, drifted, headline = check(digits["reference"], digits["brighter"])
    assert drift and "image brightness" in drifted and "image embedding" in drifted
    assert "image width" not in drifted and "image height" not in drifted
    assert headline.startswith("drift: ") and "image brightness" in headline


def test_resized_digit_images_are_flagged_by_their_size(digits):
    drift, drifted, headline = check(digits["reference"], digits["resized"])
    assert drift and {"image width", "image height"} <= set(drifted), headline
    assert "image width" in headline


def test_unshifted_tickets_read_no_drift_and_their_other_columns_are_tested_as_before():
    reference, current = tickets(800, 0), tickets(300, 1)
    drift, drifted, headline = check(reference, current)
    assert not drift and drifted == [], headline
    tested = expand(reference, current, list(reference.columns)).columns
    assert tested == ["text length", "text oov_rate", "text embedding", "priority", "queue"]


def test_longer_tickets_are_flagged_by_their_length():
    drift, drifted, headline = check(tickets(800, 0), tickets(300, 1, "longer"))
    assert drift and "text length" in drifted and "text oov_rate" not in drifted, headline


def test_tickets_with_unseen_words_are_flagged_by_their_out_of_vocabulary_rate():
    drift, drifted, headline = check(tickets(800, 0), tickets(300, 1, "new words"))
    assert drift and "text oov_rate" in drifted and "text length" not in drifted, headline
    assert "text oov_rate" in headline


def test_a_flat_folder_of_images_is_rows_of_paths_and_a_class_folder_adds_labels(tmp_path):
    digit_images(tmp_path / "new", 0, 4)
    digit_images(tmp_path / "labelled" / "a", 0, 3)
    assert list(folder_rows(tmp_path / "new").columns) == ["path"]
    labelled = folder_rows(tmp_path / "labelled")
    assert list(labelled["label"]) == ["a"] * 3
    assert folder_rows(tmp_path / "labelled" / "a" / "..") is not None
    (tmp_path / "empty").mkdir()
    assert folder_rows(tmp_path / "empty") is None


def test_image_paths_in_a_table_resolve_in_its_folder_and_paths_leaving_it_are_refused(
    tmp_path: Path,
):
    names = [Path(p).name for p in digit_images(tmp_path / "data" / "images", 0, 2)]
    table = tmp_path / "data" / "labels.csv"
    good = pd.DataFrame({"file": [f"images/{n}" for n in names], "label": ["0", "1"]})
    resolved = resolve_image_paths(good, table)
    assert list(resolved["file"]) == [str(tmp_path / "data" / "images" / n) for n in names]
    (tmp_path / "outside.png").write_bytes(b"")
    for bad, said in (("../outside.png", "outside the table's folder"), ("x.png", "no readable")):
        with pytest.raises(DataError, match=said) as refused:
            resolve_image_paths(good.assign(file=[bad, good["file"][1]]), table)
        assert "\n" not in str(refused.value)


def test_a_column_of_image_names_whose_files_are_not_beside_the_table_leaves_it_a_table(
    tmp_path: Path,
):
    table = tmp_path / "users.csv"
    frame = pd.DataFrame({"avatar": ["a.png", "b.png"], "age": [3, 4]})
    frame.to_csv(table, index=False)
    assert resolve_image_paths(frame, table).equals(frame)
    assert not ImageFolderKind().detect(table)
