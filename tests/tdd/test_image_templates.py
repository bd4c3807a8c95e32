"""An image SPEC renders the `tdd_images` template set (no training here): its class folders'
hostile names, SPEC id and title make code that compiles and that ruff accepts as it is (its own
defaults and a user's strict config), with `image_cnn` or `keras_cnn`; a family that does not take
images is refused by name, and a SPEC's table candidates are left out of the image selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcp_server.core.errors import SpecError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.tdd import image_context
from mcp_server.ml.tdd import phases as tdd
from mcp_server.ml.tdd.builders import builders
from tests.tdd.image_tdd_support import FIELDS, HOSTILE_CLASSES, classes_of, hostile_digits
from tests.test_generated_code_style import PROJECT, _ruff_clean, _write

pytest.importorskip("torch")


@pytest.fixture
def prep(tmp_path: Path) -> tdd.SpecData:
    ws = Workspace(hostile_digits(tmp_path / "ws", per_class=4))
    fields = {**FIELDS, "candidates": ["image_cnn", "keras_cnn", "logistic_regression"]}
    return tdd.load(ws, None, fields, "mlproj")


def test_an_image_spec_renders_the_image_set_with_the_image_column_and_the_folders_classes(prep):
    assert prep.templates == "tdd_images" and builders(prep) is image_context
    red = tdd.render("red", builders(prep).test_context(prep), prep.templates)
    test = red["tests/ml/test_img_001.py"]
    assert 'IMAGE_COLUMN = "path"' in test and 'TARGET = "label"' in test
    assert set(classes_of(test)) == {*HOSTILE_CLASSES.values(), *"0123456789"[4:]}


@pytest.mark.parametrize("model", ["image_cnn", "keras_cnn"])
def test_every_generated_image_file_compiles_and_is_ruff_clean(prep, model, tmp_path):
    pytest.importorskip("keras") if model == "keras_cnn" else None
    files = {
        **tdd.render("red", builders(prep).test_context(prep), prep.templates),
        **tdd.pipeline_files(prep, model, None, "chosen by the caller"),
        **tdd.render("refactor", builders(prep).selection_context(prep), prep.templates),
    }
    assert f"src/mlproj/img_001/{model}.py" in files
    written = _write(files, tmp_path / "out")
    for path in written:
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    own = [p for p in written if not p.read_text(encoding="utf-8").startswith("# Copied from")]
    _ruff_clean(own, [["--isolated"], PROJECT])


def test_the_image_selection_takes_only_the_image_families_among_the_candidates(prep):
    pytest.importorskip("keras")
    names = [c["name"] for c in builders(prep).selection_context(prep)["candidates"]]
    assert names == ["image_cnn", "keras_cnn"]


def test_a_family_that_does_not_take_images_is_refused_by_name(prep):
    with pytest.raises(SpecError, match="random_forest does not take images"):
        tdd.pipeline_files(prep, "random_forest", None, "chosen by the caller")
