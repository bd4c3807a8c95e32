"""ONNX for an image family's network, proven on real images.

The graph takes `pixels`, float32 N x C x S x S in [0, 1]: the image decoded by Pillow, converted
to the fitted colour mode, resized to S x S (bilinear) and divided by 255; that decoding and
resizing stay outside the graph (the file's metadata states them:
`tags.ONNX_IMAGE_PREPROCESSING`),
the normalisation is inside it. Outputs are every moai classifier's, `label` (codes, mapped to the
labels by `onnx_labels` on export) and `probabilities`. Parity: onnxruntime on the real images of
the sample (the run's folder) against the model's own `predict_proba` on the same files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.data.schema import Schema
from mcp_server.ml.export.onnx_parity import TOLERANCE, Parity
from mcp_server.ml.tracking import tags

if TYPE_CHECKING:
    import onnx
    import pandas as pd

IMAGE_INPUT = "pixels"
MAX_IMAGES = 500


def image_estimator(pipeline: Any) -> Any | None:
    """The pipeline's image network estimator, if it is one."""
    estimator = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
    return estimator if hasattr(estimator, "image_module") else None


def image_onnx_bytes(
    pipeline: Any, schema: Schema, model_name: str, sample: pd.DataFrame
) -> tuple[bytes, Parity]:
    """The network as ONNX (see the module doc) and its parity on the sample's real images."""
    estimator = image_estimator(pipeline)
    if estimator is None:
        name = type(pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline).__name__
        raise MoaiMlError(
            f"{model_name!r} ({name}) has no ONNX route whose parity can be proven; pass "
            "format='joblib' instead (the exact model: a raw image path or bytes in)"
        )
    images = [item for item in sample[schema.names[0]].tolist() if isinstance(item, str)]
    if not images:
        raise MoaiMlError(
            "ONNX parity on images needs real images: pass data_path=<the image folder>"
        )
    model = _export(estimator)
    data = bytes(model.SerializeToString())
    return data, _parity(data, estimator, images[:MAX_IMAGES])


def _export(estimator: Any) -> onnx.ModelProto:
    import torch

    from mcp_server.ml.export.onnx_torch import (
        CLASSIFIER_OUTPUTS,
        classifier_scoring,
        export_module,
    )

    size, channels = int(estimator.image_size_), 1 if estimator.color_ == "L" else 3
    return export_module(
        classifier_scoring(estimator.image_module()),
        (torch.zeros(2, channels, size, size, dtype=torch.float32),),
        IMAGE_INPUT,
        CLASSIFIER_OUTPUTS,
        ({0: torch.export.Dim("batch")},),
        {tags.ONNX_IMAGE_PREPROCESSING: preprocessing_text(estimator)},
    )


def preprocessing_text(estimator: Any) -> str:
    size = int(estimator.image_size_)
    return (
        f"decode with Pillow, convert to mode {estimator.color_}, resize to {size}x{size} "
        f"(bilinear), divide by 255: float32 N x C x {size} x {size} in input {IMAGE_INPUT!r}"
    )


def _parity(data: bytes, estimator: Any, images: list[str]) -> Parity:
    import numpy as np
    import onnxruntime as ort

    from mcp_server.ml.modeling.image_io import load_tensor

    pixels = load_tensor(images, int(estimator.image_size_), estimator.color_).numpy()
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    codes, proba = session.run(None, {IMAGE_INPUT: pixels})
    expected = np.asarray(estimator.predict_proba(images), dtype=np.float64)
    diff = float(np.max(np.abs(np.asarray(proba, dtype=np.float64) - expected)))
    agree = float(np.mean(np.asarray(codes) == np.argmax(expected, axis=1)))
    return Parity(len(images), agree, diff, diff, TOLERANCE, diff <= TOLERANCE and agree == 1.0)
