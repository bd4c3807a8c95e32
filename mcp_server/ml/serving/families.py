"""The runtimes of some model families (TorchServe, TF Serving: the registry's `runtimes`): which
runs they take, checked before anything is written."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError

if TYPE_CHECKING:
    from mcp_server.ml.data.schema import Schema
    from mcp_server.ml.modeling.estimator_spec import EstimatorSpec

__all__ = ["check_runtime", "served_spec"]
# runtime -> what it serves a table network as (numbers and categories in, nothing else)
ARTIFACTS = {"torchserve": "the TorchServe handler", "tfserving": "the SavedModel"}


def served_spec(estimator: Any, runtime: str) -> EstimatorSpec:
    """The registry entry of `estimator` among the families `runtime` serves; refused in one line
    naming onnx (any model of a table or images), or joblib for a text network, whose ONNX file
    takes token ids, when it is none of them."""
    from mcp_server.ml.modeling.catalog import served_by

    specs = served_by(runtime)
    name = type(estimator).__name__
    for spec in specs:
        if name in spec.class_names:
            return spec
    families = ", ".join(spec.name for spec in specs)
    served = f"family (model {families})" if len(specs) == 1 else f"families (models {families})"
    label = specs[0].label
    refusal = f"runtime {runtime!r} serves the {label} {served}; this run's model is {name}"
    if hasattr(estimator, "text_column"):  # its ONNX file takes token ids, not text
        raise MoaiMlError(f"{refusal}. Use runtime='joblib' (it tokenizes as training did) instead")
    raise MoaiMlError(f"{refusal}. Use runtime='onnx' (any model) instead")


def check_runtime(pipeline: Any, schema: Schema, runtime: str) -> None:
    """Only the families the registry gives `runtime` run on it; a table network's date and text
    columns stay out of what it serves (a text network reads its own text column)."""
    spec = served_spec(pipeline.steps[-1][1], runtime)
    if spec.takes_text or spec.data_kinds != ("table",):
        return
    bad = [f.name for f in schema.features if f.kind in ("datetime", "text")]
    if bad:
        raise MoaiMlError(
            f"{ARTIFACTS[runtime]} takes numbers and categories only; retrain with drop={bad[:5]} "
            "(ml_train), or pass runtime='joblib'"
        )
