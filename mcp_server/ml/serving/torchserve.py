"""TorchServe deployment of a PyTorch network run (`ml_generate_serving runtime="torchserve"`).

A table network (torch MLP) here; an image or text network in `torchserve_networks`. Files from
`templates/torchserve/` (its manifest lists them): a `BaseHandler` subclass that
applies the run's own fitted preprocessing, then the network as TorchScript; config.properties
(127.0.0.1, token authorization as TorchServe defaults); and the `.mar` archive, built by the
real `torch-model-archiver` from exactly those files. TorchServe is in limited maintenance: the
README and SKILL.md recommend the FastAPI/ONNX service for new deployments.
"""

from __future__ import annotations

import importlib.metadata
import io
from typing import TYPE_CHECKING, Any

from mcp_server.ml.serving.families import check_runtime
from mcp_server.ml.serving.torchserve_archive import build_archive

if TYPE_CHECKING:
    from mcp_server.ml.data.schema import Schema
    from mcp_server.ml.serving.service import ModelInfo

__all__ = ["ENDPOINTS", "render_torchserve", "torchscript_bytes"]
ENDPOINTS = ["POST /predictions/{name}", "GET /ping", "GET /models/{name} (management)"]
TABLE_FILES = ("preprocess.joblib", "features.json")  # a table network's files beside model.pt
VERSIONS = ("torch", "scikit-learn", "scipy", "pandas", "numpy", "joblib")


def torchscript_bytes(estimator: Any) -> bytes:
    """The scoring module traced to TorchScript (what BaseHandler loads from a `.pt` file)."""
    import warnings

    import torch

    module = estimator.scoring_module().eval()
    example = torch.zeros(2, int(estimator.n_features_in_), dtype=torch.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TorchScript's deprecation notice
        traced = torch.jit.trace(module, example, strict=False)  # type: ignore[no-untyped-call]
    buffer = io.BytesIO()
    torch.jit.save(traced, buffer)
    return buffer.getvalue()


def _feature_table(schema: Schema) -> dict[str, Any]:
    from mcp_server.ml.serving.fields import field_specs

    rows = [[f["name"], f["kind"], f["yes"], f["no"]] for f in field_specs(schema)]
    return {"task": schema.task, "classes": list(schema.classes), "features": rows}


def render_torchserve(info: ModelInfo, archive_name: str) -> dict[str, bytes | str]:
    """Every file of the deployment, relative to its folder, the `.mar` included."""
    import joblib

    from mcp_server.files.template_sets import template_set
    from mcp_server.ml.serving.fields import example_record
    from mcp_server.ml.serving.torchserve_networks import network_kind, render_network

    check_runtime(info.pipeline, info.schema, "torchserve")
    kind = network_kind(info.pipeline.steps[-1][1])
    if kind is not None:
        return render_network(info, archive_name, kind)
    preprocess = io.BytesIO()
    joblib.dump(info.pipeline.steps[0][1], preprocess)
    context = {
        "model_name": info.model_name,
        "run_id": info.run_id,
        "archive_name": archive_name,
        "classification": info.schema.task != "regression",
        "versions": {name: importlib.metadata.version(name) for name in VERSIONS},
        "feature_table": _feature_table(info.schema),
        "example": example_record(info.schema),
    }
    templates = template_set("torchserve")
    files: dict[str, bytes | str] = dict(templates.render("deployment", context))
    files[templates.path("network", context)] = torchscript_bytes(info.pipeline.steps[-1][1])
    files[templates.path("preprocess", context)] = preprocess.getvalue()
    files[templates.path("archive", {"model_name": archive_name})] = build_archive(
        files, archive_name, TABLE_FILES
    )
    return files
