"""The runtimes of one model family (TorchServe: the torch MLP, TF Serving: the Keras MLP): which
runs they take, checked before anything is written."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError

if TYPE_CHECKING:
    from mcp_server.ml.data.schema import Schema

__all__ = ["check_family"]
# family (the estimator's `family` attribute) -> (its name in messages, its registry model)
FAMILIES = {"torch": ("PyTorch", "torch_mlp"), "keras": ("Keras", "keras_mlp")}
# runtime -> what it serves the network as (numbers and categories in, nothing else)
ARTIFACTS = {"torchserve": "the TorchServe handler", "tfserving": "the SavedModel"}


def check_family(pipeline: Any, schema: Schema, family: str, runtime: str) -> None:
    """Only `family`'s models run on `runtime`; date and text columns stay out of what it serves."""
    estimator = pipeline.steps[-1][1]
    if getattr(estimator, "family", None) != family:
        label, model = FAMILIES[family]
        raise MoaiMlError(
            f"runtime {runtime!r} serves the {label} family (model {model}); this run's model is "
            f"{type(estimator).__name__}. Use runtime='onnx' (any model) instead"
        )
    bad = [f.name for f in schema.features if f.kind in ("datetime", "text")]
    if bad:
        raise MoaiMlError(
            f"{ARTIFACTS[runtime]} takes numbers and categories only; drop {bad[:5]} and retrain"
        )
