"""The runtimes of one model family (TorchServe, TF Serving: the registry's `runtimes`): which runs
they take, checked before anything is written."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError

if TYPE_CHECKING:
    from mcp_server.ml.data.schema import Schema

__all__ = ["check_runtime"]
# runtime -> what it serves the network as (numbers and categories in, nothing else)
ARTIFACTS = {"torchserve": "the TorchServe handler", "tfserving": "the SavedModel"}


def check_runtime(pipeline: Any, schema: Schema, runtime: str) -> None:
    """Only the family the registry gives `runtime` runs on it; date and text columns stay out of
    what it serves."""
    from mcp_server.ml.modeling.catalog import served_by

    estimator = pipeline.steps[-1][1]
    spec = served_by(runtime)
    if type(estimator).__name__ not in spec.class_names:
        raise MoaiMlError(
            f"runtime {runtime!r} serves the {spec.label} family (model {spec.name}); this run's "
            f"model is {type(estimator).__name__}. Use runtime='onnx' (any model) instead"
        )
    bad = [f.name for f in schema.features if f.kind in ("datetime", "text")]
    if bad:
        raise MoaiMlError(
            f"{ARTIFACTS[runtime]} takes numbers and categories only; retrain with drop={bad[:5]} "
            "(ml_train), or pass runtime='joblib'"
        )
