"""ONNX for a pipeline whose estimator is a neural family: two graphs chained into one.

The preprocessing (the fitted ColumnTransformer) converts with skl2onnx; the network's scoring
module (`neural.TorchMLP*.scoring_module`: network + softmax/argmax, or network + the target's
scale) exports with `torch.onnx.export` (the torch.export-based exporter). `onnx.compose`
joins them: the preprocessing's float matrix feeds the network. The result has the outputs
every moai ONNX file has (`label`, `probabilities` for classifiers; `variable` for regressors),
so the parity check, `ml_export` and the FastAPI/ONNX service treat it like any other model.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.export.onnx_labels import unique_opsets

if TYPE_CHECKING:
    import onnx

__all__ = ["OPSET", "classifier_scoring", "export_module", "export_network", "pipeline_to_onnx"]
CLASSIFIER_OUTPUTS = ["label", "probabilities"]
OPSET = 18  # the torch.export-based exporter writes opset 18 and newer; skl2onnx follows it
ML_OPSET = 3
NET_INPUT = "features"
PREFIX = "net_"


def export_network(estimator: Any, task: str) -> onnx.ModelProto:
    """The estimator's scoring module as ONNX: `features` float32 [N, d] -> the service outputs."""
    import torch

    outputs = ["variable"] if task == "regression" else ["label", "probabilities"]
    example = (torch.zeros(2, int(estimator.n_features_in_), dtype=torch.float32),)
    return export_module(
        estimator.scoring_module(), example, NET_INPUT, outputs, ({0: torch.export.Dim("batch")},)
    )


def export_module(
    module: Any,
    example: tuple[Any, ...],
    input_name: str,
    outputs: list[str],
    dynamic_shapes: tuple[dict[int, Any], ...],
    props: dict[str, str] | None = None,
) -> onnx.ModelProto:
    """A torch module as a checked ONNX graph (the torch.export-based exporter, opset `OPSET`),
    its one input and outputs named, `props` written in its metadata."""
    import onnx
    import torch

    # The exporter reports its steps on stdout, which is the MCP channel: send them to stderr.
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)  # "torchvision is not installed" lines
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            module.eval(),
            example,
            dynamo=True,
            opset_version=OPSET,
            input_names=[input_name],
            output_names=outputs,
            dynamic_shapes=dynamic_shapes,
            verbose=False,
            optimize=True,
        )
    if program is None:
        raise MoaiMlError("torch.onnx.export returned no program; pass format='joblib' instead")
    model: onnx.ModelProto = program.model_proto
    del model.graph.value_info[:]  # shapes of intermediate values: recomputed by onnxruntime
    if props:
        onnx.helper.set_model_props(model, props)
    onnx.checker.check_model(model)
    return model


def classifier_scoring(net: Any) -> Any:
    """`net` (inputs -> class logits) with the outputs of every moai classifier: the argmax code
    (`label`) and the softmax (`probabilities`)."""
    import torch
    from torch import nn

    class Scoring(nn.Module):
        def __init__(self, network: nn.Module) -> None:
            super().__init__()
            self.net = network

        def forward(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            proba = torch.softmax(self.net(inputs), dim=1)
            return torch.argmax(proba, dim=1), proba

    return Scoring(net)


def pipeline_to_onnx(conv: Any, types: list[Any], task: str) -> onnx.ModelProto:
    """Preprocessing (skl2onnx) then the network (torch.onnx), joined into one graph.

    `conv` is the conversion copy of the pipeline (see onnx_convert) and `types` its per-feature
    skl2onnx input types; the joined graph keeps those inputs for `group_inputs` to regroup."""
    import onnx
    from onnx import compose
    from skl2onnx import convert_sklearn
    from sklearn.pipeline import Pipeline

    estimator = conv.steps[-1][1]
    pre = convert_sklearn(
        Pipeline([conv.steps[0]]),
        initial_types=types,
        target_opset={"": OPSET, "ai.onnx.ml": ML_OPSET},
    )
    pre = compose.add_prefix(
        pre, "pre_", rename_inputs=False
    )  # its output is `variable`, like a regressor's
    net = compose.add_prefix(export_network(estimator, task), PREFIX)
    width = pre.graph.output[0].name
    pre.ir_version = net.ir_version = max(pre.ir_version, net.ir_version)
    _same_opsets(pre, net)
    joined = compose.merge_models(pre, net, io_map=[(width, PREFIX + NET_INPUT)])
    unique_opsets(joined)  # merge_models repeats each domain's import: keep one, at its version
    for output in joined.graph.output:  # the outputs keep the names every moai ONNX file uses
        _rename(joined.graph, output.name, output.name.removeprefix(PREFIX))
    onnx.checker.check_model(joined)
    return joined


def _same_opsets(*models: Any) -> None:
    """merge_models wants one version per domain: every model imports the union, at the max."""
    from onnx import helper

    versions: dict[str, int] = {}
    for model in models:
        for entry in model.opset_import:
            versions[entry.domain] = max(versions.get(entry.domain, 0), entry.version)
    for model in models:
        del model.opset_import[:]
        model.opset_import.extend(
            helper.make_opsetid(domain, version) for domain, version in versions.items()
        )


def _rename(graph: Any, old: str, new: str) -> None:
    """Rename a graph value everywhere it appears (node outputs/inputs and graph outputs)."""
    if old == new:
        return
    for node in graph.node:
        node.output[:] = [new if name == old else name for name in node.output]
        node.input[:] = [new if name == old else name for name in node.input]
    for output in graph.output:
        if output.name == old:
            output.name = new
