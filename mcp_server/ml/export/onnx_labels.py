"""The label output of an exported ONNX classifier in the user's labels, of their own type.

The converted graph labels rows with class codes 0..k-1 (what the pipeline was fitted on). A
final `Gather` over a constant tensor of the labels maps each code to its label: int64 for
integer labels, float for fractional ones, string otherwise (booleans as 'False'/'True', ONNX has
no boolean labels). `Gather` is a default-domain operator that takes every element type, so the
mapping needs no `ai.onnx.ml` opset of any version. The probabilities output is untouched; its
columns follow the labels' order (`moai.classes`).
"""

from __future__ import annotations

from typing import Any

from mcp_server.ml.data.schema import Schema

CODES = "moai_label_codes"
LABELS = "moai_labels"


def label_values(classes: list[Any]) -> tuple[list[Any], int]:
    """(values, ONNX element type) of the schema's classes as the label output carries them."""
    from onnx import TensorProto

    if all(isinstance(c, int) and not isinstance(c, bool) for c in classes):
        return [int(c) for c in classes], TensorProto.INT64
    if all(isinstance(c, int | float) and not isinstance(c, bool) for c in classes):
        return [float(c) for c in classes], TensorProto.FLOAT
    return [str(c) for c in classes], TensorProto.STRING


def label_output(data: bytes, schema: Schema) -> bytes:
    """The serialized model with its first output (the label) mapped from codes to labels."""
    import onnx
    from onnx import helper

    model = onnx.load_from_string(data)
    graph = model.graph
    output = graph.output[0]
    for node in graph.node:
        node.output[:] = [CODES if name == output.name else name for name in node.output]
    values, elem = label_values(list(schema.classes))
    graph.initializer.append(helper.make_tensor(LABELS, elem, [len(values)], values))
    graph.node.append(
        helper.make_node(
            "Gather", [LABELS, CODES], [output.name], axis=0, name="moai_code_to_label"
        )
    )
    output.type.tensor_type.elem_type = elem
    unique_opsets(model)
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())


def unique_opsets(model: Any) -> None:
    """One import per domain, at the highest version imported (merged graphs may repeat one,
    and a checker reading the older duplicate refuses operators the newer one has)."""
    from onnx import helper

    versions: dict[str, int] = {}
    for entry in model.opset_import:
        versions[entry.domain] = max(versions.get(entry.domain, 0), entry.version)
    del model.opset_import[:]
    model.opset_import.extend(
        helper.make_opsetid(domain, version) for domain, version in versions.items()
    )
