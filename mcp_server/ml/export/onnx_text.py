"""ONNX for the text transformer's network, proven on real texts.

The graph takes `input_ids`, int64 N x L: the text tokenized by the fitted tokenizer (stored as
`tokenizers`' JSON in the file's metadata, `tags.ONNX_TOKENIZER`: `Tokenizer.from_str` reads it
back), `[CLS]` first, at most the fitted maximum length, padded with 0; the file's metadata
states that recipe (`tags.ONNX_TEXT_PREPROCESSING`). Outputs are every moai classifier's, `label`
(codes, mapped to the labels by `onnx_labels` on export) and `probabilities`. Parity: onnxruntime
on the sample's texts (the run's own rows first) against the model's `predict_proba`.
A text family without a network of its own to export (a fine-tuned `transformers` checkpoint) is
refused in one line naming joblib and the run's MLflow model (pyfunc).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.data.schema import Schema
from mcp_server.ml.export.onnx_parity import TOLERANCE, Parity
from mcp_server.ml.tracking import tags

if TYPE_CHECKING:
    import onnx
    import pandas as pd

TEXT_INPUT = "input_ids"
MAX_TEXTS = 500


def text_estimator(pipeline: Any) -> Any | None:
    """The pipeline's text-network estimator (one that reads raw strings), if it is one."""
    estimator = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
    return estimator if hasattr(estimator, "text_column") else None


def text_onnx_bytes(
    pipeline: Any, schema: Schema, model_name: str, sample: pd.DataFrame
) -> tuple[bytes, Parity]:
    """The network as ONNX (see the module doc) and its parity on the sample's texts."""
    estimator = text_estimator(pipeline)
    if estimator is None or not hasattr(estimator, "text_module"):
        raise MoaiMlError(
            f"{model_name} has no ONNX route (its tokenizer and network are a transformers "
            "checkpoint's): pass format='joblib' or format='pickle', or load the run's MLflow "
            "model (mlflow.pyfunc.load_model)"
        )
    column = estimator.text_column or schema.of_kind("text")[0]
    texts = [str(t) for t in sample[column].tolist()][:MAX_TEXTS]
    if not texts:
        raise MoaiMlError("ONNX parity on texts needs real rows: pass data_path=<the table>")
    model = _export(estimator)
    data = bytes(model.SerializeToString())
    return data, _parity(data, estimator, texts)


def _export(estimator: Any) -> onnx.ModelProto:
    import torch

    from mcp_server.ml.export.onnx_torch import (
        CLASSIFIER_OUTPUTS,
        classifier_scoring,
        export_module,
    )

    example = (estimator.token_ids(["an example text", "another one, longer than the first"]),)
    return export_module(
        classifier_scoring(estimator.text_module()),
        example,
        TEXT_INPUT,
        CLASSIFIER_OUTPUTS,
        ({0: torch.export.Dim("batch"), 1: torch.export.Dim("tokens")},),
        {
            tags.ONNX_TOKENIZER: estimator.tokenizer_json_,
            tags.ONNX_TEXT_PREPROCESSING: preprocessing_text(estimator),
        },
    )


def preprocessing_text(estimator: Any) -> str:
    return (
        f"tokenize with the tokenizer in {tags.ONNX_TOKENIZER!r} (tokenizers.Tokenizer.from_str), "
        f"put the id of [CLS] first, keep at most {int(estimator.max_length)} ids, pad with 0 "
        f"to the longest row: int64 N x L in input {TEXT_INPUT!r}"
    )


def _parity(data: bytes, estimator: Any, texts: list[str]) -> Parity:
    import numpy as np
    import onnxruntime as ort

    from mcp_server.ml.modeling.text_transformer import encode_ids

    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    proba = []
    for start in range(0, len(texts), 64):  # padded per batch, as the model itself predicts
        ids = encode_ids(estimator.tokenizer_json_, texts[start : start + 64], estimator.max_length)
        proba.append(session.run(None, {TEXT_INPUT: ids.numpy()})[1])
    got = np.concatenate(proba).astype(np.float64)
    expected = np.asarray(estimator.predict_proba(texts), dtype=np.float64)
    diff = float(np.max(np.abs(got - expected)))
    agree = float(np.mean(np.argmax(got, axis=1) == np.argmax(expected, axis=1)))
    return Parity(len(texts), agree, diff, diff, TOLERANCE, diff <= TOLERANCE and agree == 1.0)
