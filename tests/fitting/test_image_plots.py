"""The misclassified grid: drawn for an image model that got images wrong, never for a table or
a model that got every image right."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from mcp_server.ml.fitting.image_plots import misclassified_plot
from mcp_server.ml.modeling.dataset import prepare
from tests.image_support import digits_folder
from tests.support import EXAMPLES


def test_the_wrong_images_are_drawn_as_a_grid_and_nothing_when_none_is_wrong(tmp_path: Path):
    data = prepare(digits_folder(tmp_path / "digits", per_class=3), "label")
    labels = [str(c) for c in data.schema.classes]
    wrong = data.y.copy()
    wrong[:4] = (wrong[:4] + 1) % 10
    made = misclassified_plot(data.schema, data.X, data.y, wrong, labels, tmp_path / "plots")
    assert made == {"misclassified": "misclassified.png"}
    with Image.open(tmp_path / "plots" / "misclassified.png") as grid:
        assert grid.format == "PNG" and grid.width >= 400
    assert misclassified_plot(data.schema, data.X, data.y, data.y, labels, tmp_path / "n") == {}


def test_a_table_model_gets_no_image_grid(tmp_path: Path):
    data = prepare(EXAMPLES / "data" / "breast_cancer.csv", "target")
    flipped = 1 - np.asarray(data.y)
    assert misclassified_plot(data.schema, data.X, data.y, flipped, ["0", "1"], tmp_path) == {}
