"""The label output of an exported ONNX classifier in the user's labels, of their own type.

The converted graph labels rows with class codes 0..k-1 (what the pipeline was fitted on). A
final `ai.onnx.ml.LabelEncoder` maps each code to its label: int64 for integer labels, float for
fractional ones, string otherwise (booleans as 'False'/'True', ONNX has no boolean labels). The
probabilities output is untouched; its columns follow the labels' order (`moai.classes`).
"""

from __future__ import annotations

from typing import Any

from mcp_server.ml.data.schema import Schema

CODES = "moai_label_codes"


def label_values(classes: list[Any]) -> tuple[str, list[Any], int]:
    """(LabelEncoder attribute, values, ONNX element type) for the schema's classes."""
    from onnx import TensorProto

    if all(isinstance(c, int) and not isinstance(c, bool) for c in classes):
        return "values_int64s", [int(c) for c in classes], TensorProto.INT64
    if all(isinstance(c, int | float) and not isinstance(c, bool) for c in classes):
        return "values_floats", [float(c) for c in classes], TensorProto.FLOAT
    return "values_strings", [str(c) for c in classes], TensorProto.STRING


def label_output(data: bytes, schema: Schema) -> bytes:
    """The serialized model with its first output (the label) mapped from codes to labels."""
    import onnx
    from onnx import helper

    model = onnx.load_from_string(data)
    graph = model.graph
    output = graph.output[0]
    for node in graph.node:
        node.output[:] = [CODES if name == output.name else name for name in node.output]
    attribute, values, elem = label_values(list(schema.classes))
    defaults: dict[str, dict[str, Any]] = {
        "values_int64s": {"default_int64": -1},
        "values_floats": {"default_float": float("nan")},
        "values_strings": {"default_string": ""},
    }
    attributes: dict[str, Any] = {"keys_int64s": list(range(len(values))), attribute: values, **defaults[attribute]}
    graph.node.append(
        helper.make_node("LabelEncoder", [CODES], [output.name], domain="ai.onnx.ml", name="moai_labels", **attributes)
    )
    output.type.tensor_type.elem_type = elem
    _require_ml_opset(model, 2)  # LabelEncoder's int64 keys came with ai.onnx.ml opset 2
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())


def _require_ml_opset(model: Any, version: int) -> None:
    """Import the ai.onnx.ml domain at `version` at least (a graph of plain operators may lack it)."""
    for entry in model.opset_import:
        if entry.domain == "ai.onnx.ml":
            entry.version = max(entry.version, version)
            return
    added = model.opset_import.add()
    added.domain, added.version = "ai.onnx.ml", version
