"""Render the FastAPI image service of an image run from `templates/serving_images/` (its files:
that folder's `manifest.yaml`; requirements, Dockerfile and package files are the table service's
templates).

The run's pipeline pickles classes of `mcp_server` (`ImageCNNClassifier`, `SmallCNN`, ...); the
service must not import it. So the pipeline is pickled with every class of this package named by
its copy in the service's `app/` package (`app.image_cnn.SmallCNN`), and those modules are copied
there (`modeling.local_modules`): the service unpickles the very pipeline, weights and all, and
runs the same code on the same pixels, so its answers are the model's.
"""

from __future__ import annotations

import io
import pickle
import pydoc
from typing import Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.render import to_identifier
from mcp_server.files.template_sets import template_set
from mcp_server.ml.modeling.local_modules import is_local, relative
from mcp_server.ml.serving.service import ModelInfo, dev_versions, service_env

ENDPOINTS = ["POST /predict", "POST /predict/base64", "GET /health", "GET /ready", "GET /metadata"]
MAX_IMAGE_PIXELS = 16 * 2**20  # more pixels than this is refused before decoding (a bomb)
BASE = ["fastapi", "uvicorn", "pydantic", "numpy", "python-multipart", "pillow"]
RUNTIME = ["scikit-learn", "scipy", "pandas", "joblib", "torch"]


class _AppPickler(pickle.Pickler):
    """Pickles a class of this package as `pydoc.locate("app.<module>.<name>")`, its copy in the
    service; records the modules it named."""

    def __init__(self, buffer: io.BytesIO) -> None:
        super().__init__(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        self.modules: set[str] = set()

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, type) and is_local(obj.__module__):
            self.modules.add(obj.__module__)
            return pydoc.locate, ("app" + relative(obj.__module__) + "." + obj.__qualname__,)
        return NotImplemented


def portable_pickle(pipeline: Any) -> tuple[bytes, list[str]]:
    """The pipeline's bytes, loadable with the copied modules in `app/`, and those modules."""
    buffer = io.BytesIO()
    pickler = _AppPickler(buffer)
    pickler.dump(pipeline)
    return buffer.getvalue(), sorted(pickler.modules)


def image_estimator(pipeline: Any) -> Any:
    """The fitted image classifier at the end of the run's pipeline (or the model itself)."""
    model = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
    if not (hasattr(model, "image_size_") and hasattr(model, "color_")):
        from mcp_server.ml.modeling.registry import REGISTRY

        families = ", ".join(n for n, spec in REGISTRY.items() if "images" in spec.data_kinds)
        raise MoaiMlError(
            f"the run's model is {type(model).__name__}, not an image classifier; retrain it "
            f"with ml_train and an image family as model= ({families})"
        )
    return model


def image_metadata(info: ModelInfo, model: Any) -> dict[str, Any]:
    from mcp_server import __version__

    return {
        "model_name": info.model_name,
        "run_id": info.run_id,
        "task": info.schema.task,
        "target": info.schema.target,
        "classes": [str(c) for c in info.schema.classes],
        "runtime": "joblib",
        "family": type(model).__name__,
        "input": {
            "size": [int(model.image_size_), int(model.image_size_)],
            "channels": 1 if model.color_ == "L" else 3,
            "color_mode": str(model.color_),
            "resize": "bilinear",
            "scale": "pixels / 255, normalised by the network",
        },
        "max_image_pixels": MAX_IMAGE_PIXELS,
        "metrics": {k: float(v) for k, v in sorted(info.metrics.items())},
        "generator": f"moai-domain-ml {__version__}",
        "verdict": dict(info.verdict or {}),
    }


def image_versions(model_name: str) -> dict[str, str]:
    """Pinned requirements: what this machine generated and tested the service with."""
    from mcp_server.ml.modeling.catalog import runtime_packages
    from mcp_server.safety.supply_chain import pinned_closure

    extra = [p for p in runtime_packages(model_name) if p != "moai-domain-ml"]
    return pinned_closure([*BASE, *RUNTIME, *extra])


def render_image_service(info: ModelInfo) -> dict[str, bytes | str]:
    """Every file of the image service, relative to its folder."""
    from mcp_server.ml.modeling.local_modules import local_modules

    model = image_estimator(info.pipeline)
    data, modules = portable_pickle(info.pipeline)
    context = {
        "model_name": info.model_name,
        "run_id": info.run_id,
        "metadata": image_metadata(info, model),
        "local_modules": local_modules(modules),
        "versions": image_versions(info.model_name),
        "dev_versions": dev_versions(),
        "env": service_env(),
        "python_version": _python_version(),
        "image_name": to_identifier(f"{info.model_name}-{info.run_id[:8]}", "model").replace(
            "_", "-"
        ),
    }
    layout = template_set("serving_images")
    files: dict[str, bytes | str] = dict(layout.render("service", context))
    files[layout.path("model", context)] = data
    return files


def _python_version() -> str:
    import sys

    return f"{sys.version_info.major}.{sys.version_info.minor}"
