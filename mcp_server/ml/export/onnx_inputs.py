"""The two inputs of an exported model: `numbers` (float32 [N, k]) and `strings` (string [N, m]).

skl2onnx is given one `[N, 1]` input per feature (that is how a ColumnTransformer selects
columns). Afterwards they are replaced by two matrices, so a one-row request is fed with two
arrays instead of one per column. Where the graph immediately re-joins exactly those columns
(a Concat on axis 1, as the numeric branch does), the matrix goes straight in; otherwise a
Split hands each feature its own `[N, 1]` tensor under its original name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp_server.ml.data.schema import Schema

if TYPE_CHECKING:
    import onnx

STRING_KINDS = ("categorical", "boolean")
NUMBERS, STRINGS = "numbers", "strings"


def input_groups(schema: Schema) -> dict[str, list[str]]:
    """Columns fed through each ONNX input, in order: {"numbers": [...], "strings": [...]}."""
    groups = {NUMBERS: schema.of_kind("numeric"), STRINGS: schema.of_kind(*STRING_KINDS)}
    return {name: columns for name, columns in groups.items() if columns}


def group_inputs(model: onnx.ModelProto, schema: Schema, names: list[str]) -> None:
    """Replace the per-feature inputs (`names`, in schema order) by the two matrices."""
    from onnx import TensorProto, helper

    graph = model.graph
    by_column = dict(zip(schema.names, names, strict=True))
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=13)
    existing = list(graph.node)
    inputs: list[Any] = []
    nodes: list[Any] = []
    sizes: list[Any] = []
    for group, columns in input_groups(schema).items():
        dtype = TensorProto.FLOAT if group == NUMBERS else TensorProto.STRING
        inputs.append(helper.make_tensor_value_info(group, dtype, [None, len(columns)]))
        targets = [by_column[c] for c in columns]
        concat = _rejoining_concat(existing, targets)
        if concat is not None:
            existing[existing.index(concat)] = helper.make_node(
                "Identity", [group], list(concat.output), name=concat.name
            )
        else:
            nodes.append(_splitter(group, targets, opset, sizes))
    del graph.input[:]
    del graph.node[:]
    graph.input.extend(inputs)
    graph.initializer.extend(sizes)
    graph.node.extend([*nodes, *existing])


def _rejoining_concat(nodes: list[Any], targets: list[str]) -> Any:
    """The one node using these inputs, if it is a Concat of exactly them, in order, on axis 1."""
    users = [node for node in nodes if set(node.input) & set(targets)]
    if len(users) != 1 or users[0].op_type != "Concat" or list(users[0].input) != targets:
        return None
    axis = next((attr.i for attr in users[0].attribute if attr.name == "axis"), None)
    return users[0] if axis in (1, -1) else None


def _splitter(group: str, targets: list[str], opset: int, sizes: list[Any]) -> Any:
    from onnx import TensorProto, helper

    if len(targets) == 1:
        return helper.make_node("Identity", [group], targets, name=f"moai_{group}")
    if opset < 13:  # Split takes its sizes as an attribute before opset 13, as an input after
        return helper.make_node(
            "Split", [group], targets, axis=1, split=[1] * len(targets), name=f"moai_{group}"
        )
    sizes.append(
        helper.make_tensor(
            f"moai_{group}_sizes", TensorProto.INT64, [len(targets)], [1] * len(targets)
        )
    )
    return helper.make_node(
        "Split", [group, f"moai_{group}_sizes"], targets, axis=1, name=f"moai_{group}"
    )
