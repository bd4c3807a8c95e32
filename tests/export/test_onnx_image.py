"""ONNX of the CNN: the network with its normalisation, the decoding and resizing stated in the
file, parity proven on the folder's real images before the file is kept; the label output carries
the folder names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.data.kinds.images import ImageFolderKind
from mcp_server.ml.export.formats import export_pipeline
from mcp_server.ml.modeling.dataset import prepare
from mcp_server.ml.modeling.image_io import load_tensor
from mcp_server.ml.modeling.preprocess import build_pipeline
from mcp_server.ml.tracking import tags
from tests.image_support import digits_folder

# a CNN fit and torch.onnx's exporter: ~20 s of CPU
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("onnx_image")]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = digits_folder(tmp_path_factory.mktemp("img") / "digits", per_class=8)
    data = prepare(folder, "label")
    pipeline = build_pipeline(data.schema, "image_cnn", {"max_epochs": 2, "width": 8}, 0)
    pipeline.fit(data.X, data.y)
    return folder, pipeline, data.schema


def test_the_onnx_file_predicts_the_models_labels_on_every_real_image(fitted, tmp_path: Path):  # type: ignore[no-untyped-def]
    folder, pipeline, schema = fitted
    rows = ImageFolderKind().read(folder)
    done = export_pipeline(
        Workspace(tmp_path), "r", pipeline, schema, "image_cnn", "onnx", rows, "images"
    )
    assert done.parity is not None and done.parity.passed and done.parity.rows == 80
    assert done.parity.label_agreement == 1.0 and done.parity.max_abs_diff < 1e-4
    model = onnx.load(done.path)
    stated = {p.key: p.value for p in model.metadata_props}[tags.ONNX_IMAGE_PREPROCESSING]
    assert "resize to 16x16" in stated and "mode L" in stated
    session = ort.InferenceSession(str(done.path), providers=["CPUExecutionProvider"])
    paths = rows["path"].tolist()[:7]
    labels, proba = session.run(None, {"pixels": load_tensor(paths, 16, "L").numpy()})
    expected = np.asarray(schema.classes, dtype=object)[pipeline.predict(rows[["path"]].head(7))]
    assert [str(label) for label in labels] == [str(label) for label in expected]
    assert np.allclose(proba, pipeline.predict_proba(rows[["path"]].head(7)), atol=1e-4)


def test_without_real_images_the_onnx_export_is_refused_naming_the_folder_argument(
    fitted, tmp_path: Path
):  # type: ignore[no-untyped-def]
    _, pipeline, schema = fitted
    with pytest.raises(MoaiMlError, match="needs real images: pass data_path=<the image folder>"):
        export_pipeline(
            Workspace(tmp_path), "r", pipeline, schema, "image_cnn", "onnx", None, "images"
        )
    assert not list(tmp_path.rglob("model.onnx"))
