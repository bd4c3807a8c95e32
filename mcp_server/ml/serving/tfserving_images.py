"""TF Serving deployment of a Keras CNN run on images (`ml_generate_serving runtime="tfserving"`).

The run's Keras network (its `.keras` bytes, written on the torch backend, read by TensorFlow's
Keras: the format is backend-neutral) goes to `tf_savedmodel_script.py build-image` in the
TensorFlow venv, which writes a SavedModel whose `serving_default` signature takes `pixels`,
float32 N x C x S x S in [0, 1] (the ONNX export's input: the same decoding and resizing in front
of it, stated in the README), and answers `label` + `probabilities`. Its augmentation layers are
left out (they act only while training); the normalisation is a layer of the network. Beside it:
models.config, a REST body (one mid-grey image) and a README with the request's shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError

if TYPE_CHECKING:
    from mcp_server.ml.serving.service import ModelInfo

__all__ = ["image_request", "render_image_tfserving"]


def keras_cnn(pipeline: Any) -> Any:
    """The run's Keras image network (the image family the registry gives TF Serving), or a
    one-line refusal naming it and the upload service the other image families get."""
    from mcp_server.ml.modeling.catalog import served_by

    model = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
    served = [spec for spec in served_by("tfserving") if "images" in spec.data_kinds]
    if not any(type(model).__name__ in spec.class_names for spec in served):
        names = ", ".join(spec.name for spec in served)
        raise MoaiMlError(
            f"runtime 'tfserving' serves images through the Keras CNN (model {names}); this "
            f"run's model is {type(model).__name__}. Retrain with model='{served[0].name}', or "
            "leave runtime= out for the image upload service"
        )
    return model


def image_request(pixels: Any) -> dict[str, Any]:
    """A REST predict body in TF Serving's row format: one instance per C x S x S image."""
    instances = [{"pixels": image.tolist()} for image in pixels]
    return {"signature_name": "serving_default", "instances": instances}


def render_image_tfserving(info: ModelInfo, name: str, version: int) -> dict[str, bytes | str]:
    """Every file of the deployment, relative to its folder, the SavedModel included."""
    import numpy as np

    from mcp_server.files.template_sets import template_set
    from mcp_server.ml.export.onnx_image import preprocessing_text
    from mcp_server.ml.modeling.keras_mlp import keras_bytes
    from mcp_server.ml.serving.tf_script import run_script

    model = keras_cnn(info.pipeline)
    size, channels = int(model.image_size_), 1 if model.color_ == "L" else 3
    request = image_request(np.full((1, channels, size, size), 0.5, dtype=np.float32))
    context = {
        "model_name": info.model_name,
        "run_id": info.run_id,
        "archive_name": name,
        "version": version,
        "size": size,
        "channels": channels,
        "color_mode": str(model.color_),
        "preprocessing": preprocessing_text(model),
        "request": request,
        "feature_table": {
            "task": info.schema.task,
            "classes": [str(c) for c in info.schema.classes],
            "pixels": [channels, size, size],
        },
    }
    sets = template_set("tfserving")
    files: dict[str, bytes | str] = dict(sets.render("images", context))
    folder = sets.path("saved_model", {"model_name": name, "version": version})
    saved = run_script(
        {"model.keras": keras_bytes(model.model_)}, ["build-image", "model.keras", "saved"]
    )
    files.update({folder + rel: data for rel, data in saved.items()})
    return files
