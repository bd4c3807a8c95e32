"""The TDD cycle on an image SPEC (issue 24): an image folder of scikit-learn's digits whose class
folders have hostile names. RED's generated image tests (the label set, the input contract on raw
files and bytes, the holdout gate, reload parity in a fresh interpreter, determinism by seed) fail
for the missing pipeline; GREEN with `image_cnn` passes every one; REFACTOR cross-validates the
network's settings on the training images and keeps a pipeline that passes them."""

from __future__ import annotations

from typing import Any

import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tdd import phases as tdd
from mcp_server.ml.tdd.refactor import refactor
from tests.tdd.image_tdd_support import FIELDS, HOSTILE_CLASSES, classes_of, hostile_digits

pytest.importorskip("torch")
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("image_tdd")]

IMAGE_TESTS = {
    "test_the_label_set_is_the_classes_of_the_data",
    "test_a_raw_png_file_is_labelled_by_the_saved_model",
    "test_raw_bytes_of_any_size_and_mode_are_labelled",
    "test_a_file_that_is_no_image_is_refused_with_a_clear_error",
    "test_the_saved_model_predicts_the_same_in_a_fresh_interpreter",
    "test_the_same_seed_gives_the_same_model",
    "test_the_primary_metric_reaches_the_threshold_on_the_holdout",
}


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = hostile_digits(tmp_path_factory.mktemp("image_tdd"), per_class=10)
    ws = Workspace(root)
    red = tdd.red(ws, tdd.load(ws, None, FIELDS, "mlproj"))
    green = tdd.green(ws, tdd.load(ws, None, FIELDS, "mlproj"), model="image_cnn")
    pipeline = (root / "src/mlproj/img_001/pipeline.py").read_text(encoding="utf-8")
    return {"root": root, "ws": ws, "red": red, "green": green, "pipeline": pipeline}


def test_red_fails_every_generated_image_test_for_the_missing_pipeline(cycle):
    red = cycle["red"]
    assert red.ok, red.problems
    assert IMAGE_TESTS <= {t.name for t in red.tests}
    assert all(t.status != "passed" for t in red.tests)


def test_green_with_the_image_cnn_passes_every_generated_test_on_raw_images(cycle):
    green = cycle["green"]
    failing = [(t.name, t.status, t.detail[-300:]) for t in green.tests if t.status != "passed"]
    assert green.ok and not failing, (green.problems, failing)
    assert green.model == "image_cnn" and IMAGE_TESTS <= {t.name for t in green.tests}
    (accuracy,) = [g for g in green.metrics if g.name == "accuracy"]
    assert accuracy.passed and accuracy.value >= 0.7  # ten digits: chance is 0.1
    pipeline = cycle["pipeline"]
    assert 'MODEL_NAME = "image_cnn"' in pipeline and "mcp_server" not in pipeline
    assert set(classes_of(pipeline)) == {*HOSTILE_CLASSES.values(), *"456789"}
    assert (cycle["root"] / "src/mlproj/img_001/image_cnn.py").is_file()


def test_refactor_compares_the_networks_settings_by_cv_and_keeps_a_passing_pipeline(cycle):
    ws = cycle["ws"]
    result = refactor(ws, tdd.load(ws, None, FIELDS, "mlproj"))
    board = {row["model"]: row for row in result.cv_results}
    assert set(board) == {"image_cnn"} and board["image_cnn"]["fits"] == 4  # two widths, 2 folds
    assert 0.1 < board["image_cnn"]["cv_mean"] <= 1.0, board
    assert result.ok and all(t.status == "passed" for t in result.tests), result.warnings
    assert all(g.passed for g in result.metrics), result.metrics
    kept = (cycle["root"] / "src/mlproj/img_001/pipeline.py").read_text(encoding="utf-8")
    assert 'MODEL_NAME = "image_cnn"' in kept
    assert f'"width": {board["image_cnn"]["params"]["width"]},' in kept
