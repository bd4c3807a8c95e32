"""TF Serving deployment of a Keras-MLP run (`ml_generate_serving runtime="tfserving"`); a
Keras CNN run on images gets its own (`tfserving_images`).

The run's Keras network (saved as a backend-neutral `.keras` file) and the fitted parameters of
its preprocessing go to `tf_savedmodel_script.py`, which runs in the TensorFlow venv
(`MOAI_ML_TF_PYTHON`, made by scripts/setup_tf_venv.sh) and writes a SavedModel whose serving
signature takes the raw features and applies the same preprocessing. Beside it: models.config
(ModelServerConfig text format), a REST request body, and a README with the docker command; the
TF Serving server binary is not on PyPI and the README says so.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.escape import Code
from mcp_server.ml.serving.families import check_runtime
from mcp_server.ml.serving.tf_script import SCRIPT, run_script, tf_python

if TYPE_CHECKING:
    from mcp_server.ml.data.schema import Schema
    from mcp_server.ml.serving.service import ModelInfo

__all__ = [
    "ENDPOINTS",
    "SCRIPT",
    "preprocessing_spec",
    "render_tfserving",
    "request_body",
    "tf_python",
]
ENDPOINTS = ["POST /v1/models/{name}:predict", "GET /v1/models/{name}"]
VERSION = 1


def preprocessing_spec(pipeline: Any, schema: Schema) -> dict[str, Any]:
    """The fitted preprocessing as numbers TensorFlow can apply: medians, means, scales,
    categories."""
    from mcp_server.ml.export.onnx_inputs import input_groups

    groups = input_groups(schema)
    spec: dict[str, Any] = {
        "task": schema.task,
        "numeric": {"columns": groups.get("numbers", []), "median": [], "mean": [], "scale": []},
        "categorical": {
            "columns": groups.get("strings", []),
            "categories": [],
            "missing": "__missing__",
        },
    }
    for name, transformer, _ in pipeline.steps[0][1].transformers_:
        steps = dict(getattr(transformer, "steps", []))
        if name == "numeric":
            size = len(steps["impute"].statistics_)
            scaler = steps.get("scale")
            spec["numeric"]["median"] = [float(v) for v in steps["impute"].statistics_]
            spec["numeric"]["mean"] = (
                [float(v) for v in scaler.mean_] if scaler is not None else [0.0] * size
            )
            spec["numeric"]["scale"] = (
                [float(v) for v in scaler.scale_] if scaler is not None else [1.0] * size
            )
        elif name == "categorical":
            encoder = steps["onehot"]
            if any(c is not None for c in getattr(encoder, "infrequent_categories_", [])):
                raise MoaiMlError(
                    "a column has more categories than the one-hot encoder keeps "
                    "(infrequent ones are "
                    "grouped); the SavedModel cannot express that. Use runtime='onnx'"
                )
            spec["categorical"]["categories"] = [
                [str(v) for v in cats] for cats in encoder.categories_
            ]
            spec["categorical"]["missing"] = str(steps["impute"].fill_value)
    estimator = pipeline.steps[-1][1]
    spec["y_mean"], spec["y_scale"] = (
        getattr(estimator, "y_mean_", 0.0),
        getattr(estimator, "y_scale_", 1.0),
    )
    return spec


def request_body(schema: Schema, records: list[dict[str, Any]]) -> dict[str, Any]:
    """A REST predict body in TF Serving's row format, one instance per record."""
    from mcp_server.ml.export.onnx_inputs import input_groups

    groups = input_groups(schema)
    instances = []
    for record in records:
        row: dict[str, Any] = {}
        if "numbers" in groups:
            row["numbers"] = [_number(record.get(c)) for c in groups["numbers"]]
        if "strings" in groups:
            row["strings"] = [
                "" if record.get(c) is None else str(record[c]) for c in groups["strings"]
            ]
        instances.append(row)
    return {"signature_name": "serving_default", "instances": instances}


def _number(value: Any) -> float:
    return float("nan") if value is None else float(value)


def build_saved_model(pipeline: Any, schema: Schema) -> dict[str, bytes]:
    """Run the script in the TensorFlow venv; the SavedModel's files, relative to its folder."""
    from mcp_server.ml.modeling.keras_mlp import keras_bytes

    spec = json.dumps(preprocessing_spec(pipeline, schema)).encode("utf-8")
    inputs = {"spec.json": spec, "model.keras": keras_bytes(pipeline.steps[-1][1].model_)}
    return run_script(inputs, ["build", "spec.json", "model.keras", "saved"])


def render_tfserving(info: ModelInfo, name: str) -> dict[str, bytes | str]:
    """Every file of the deployment, relative to its folder, the SavedModel included."""
    from mcp_server.files.template_sets import template_set
    from mcp_server.ml.export.onnx_inputs import input_groups
    from mcp_server.ml.serving.fields import example_record

    if info.schema.of_kind("image"):  # a keras_cnn run: pixels in
        from mcp_server.ml.serving.tfserving_images import render_image_tfserving

        return render_image_tfserving(info, name, VERSION)
    check_runtime(info.pipeline, info.schema, "tfserving")
    groups = input_groups(info.schema)
    request = request_body(info.schema, [example_record(info.schema)])
    context = {
        "model_name": info.model_name,
        "run_id": info.run_id,
        "archive_name": name,
        "version": VERSION,
        "classification": info.schema.task != "regression",
        "numbers": groups.get("numbers", []),
        "strings": groups.get("strings", []),
        "request": request,
        # json.dumps's own escaping (ASCII, quotes and line breaks escaped): a JSON block
        "request_text": Code(json.dumps(request, indent=1, ensure_ascii=True)),
        "feature_table": {"task": info.schema.task, "classes": list(info.schema.classes), **groups},
    }
    files: dict[str, bytes | str] = dict(template_set("tfserving").render("deployment", context))
    folder = template_set("tfserving").path("saved_model", {"model_name": name, "version": VERSION})
    files.update(
        {folder + rel: data for rel, data in build_saved_model(info.pipeline, info.schema).items()}
    )
    return files
