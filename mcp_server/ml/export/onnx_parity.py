"""Prove that an ONNX model predicts what the scikit-learn pipeline predicts.

The check runs both on a held-out sample: rows of real data when available, plus synthetic
rows drawn from the schema (values across each numeric range, every seen category, an unseen
category, and missing values where the data had them), so the edges are always exercised.
Numbers reach the reference pipeline rounded to float32, exactly as they reach ONNX.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcp_server.ml.data.schema import Schema
from mcp_server.ml.export.onnx_inputs import NUMBERS, input_groups
from mcp_server.ml.modeling.catalog import label_is_argmax

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

TOLERANCE = 1e-4
UNSEEN = "__moai_unseen__"


@dataclass(frozen=True)
class Parity:
    rows: int
    label_agreement: float | None  # share of rows whose label agrees (classification only)
    max_abs_diff: float  # probabilities (classification) or predictions (regression)
    max_rel_diff: float  # |difference| / max(1, |prediction|): float32 precision for large targets
    tolerance: float
    passed: bool

    def describe(self) -> str:
        labels = (
            "" if self.label_agreement is None else f"labels agree {self.label_agreement:.2%}, "
        )
        return (
            f"{self.rows} rows: {labels}max |difference| {self.max_abs_diff:.3g}, "
            f"relative {self.max_rel_diff:.3g} (tolerance {self.tolerance:g})"
        )


def synthetic_rows(schema: Schema, rows: int = 200, seed: int = 0) -> pd.DataFrame:
    """Rows drawn from the schema: numbers in [min, max], seen and unseen categories, NaNs."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    data: dict[str, Any] = {}
    for f in schema.features:
        if f.kind == "numeric":
            low = f.minimum if f.minimum is not None else 0.0
            high = f.maximum if f.maximum is not None else 1.0
            values = rng.uniform(low, high, rows)
            column: Any = np.round(values) if f.integer else values
        else:
            choices = [*f.categories, UNSEEN] if f.categories else [UNSEEN]
            column = rng.choice(np.array(choices, dtype=object), rows)
        column = pd.Series(column, dtype="float64" if f.kind == "numeric" else object)
        if f.nullable:
            column[rng.random(rows) < 0.1] = np.nan
        data[f.name] = column
    return pd.DataFrame(data)


def onnx_feeds(frame: pd.DataFrame, schema: Schema) -> dict[str, np.ndarray]:
    """The ONNX inputs for a coerced frame: `numbers` float32 [N,k] (NaN = missing) and
    `strings` [N,m] (str, "" = missing), columns in schema order."""
    import numpy as np

    feeds = {}
    for group, columns in input_groups(schema).items():
        if group == NUMBERS:
            feeds[group] = (
                frame[columns].to_numpy(dtype=np.float32).reshape(len(frame), len(columns))
            )
        else:
            values = [
                [v if isinstance(v, str) else "" for v in row]
                for row in frame[columns].itertuples(index=False)
            ]
            feeds[group] = np.array(values, dtype=object).reshape(len(frame), len(columns))
    return feeds


def float32_view(frame: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """The frame as ONNX sees it: numeric columns rounded through float32."""
    import numpy as np

    out = frame.copy()
    for name in schema.of_kind("numeric"):
        out[name] = out[name].to_numpy(dtype=np.float32).astype(np.float64)
    return out


def served_codes(codes: np.ndarray, proba: np.ndarray, from_proba: bool) -> np.ndarray:
    """The class codes a service answers: the first class within 1e-6 of the top probability, as
    scikit-learn's argmax picks on ties (a forest's 20/20 vote); ONNX's own label otherwise."""
    import numpy as np

    if not from_proba or proba.size == 0:
        return codes
    top = proba.max(axis=1, keepdims=True)
    return np.asarray((proba >= top - 1e-6).argmax(axis=1), dtype=np.int64)


def check_parity(
    onnx_bytes: bytes, pipeline: Any, schema: Schema, frame: pd.DataFrame, model_name: str = ""
) -> Parity:
    """Run both models on `frame` (already coerced) and compare labels and scores."""
    import numpy as np
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])
    outputs = session.run(None, onnx_feeds(frame, schema))
    reference = float32_view(frame, schema)
    agree: float | None = None
    if schema.task == "regression":
        expected = np.asarray(pipeline.predict(reference), dtype=np.float64).ravel()
        got = np.asarray(outputs[0], dtype=np.float64).ravel()
    else:
        expected = np.asarray(pipeline.predict_proba(reference), dtype=np.float64)
        got = np.asarray(outputs[1], dtype=np.float64)
        labels = served_codes(
            np.asarray(outputs[0]).ravel().astype(np.int64), got, label_is_argmax(model_name)
        )
        agree = _label_agreement(
            labels, np.asarray(pipeline.predict(reference)).astype(np.int64), expected
        )
    if got.shape != expected.shape:
        return Parity(
            len(frame),
            0.0 if agree is not None else None,
            float("inf"),
            float("inf"),
            TOLERANCE,
            False,
        )
    abs_diff = np.abs(got - expected)
    rel_diff = abs_diff / np.maximum(1.0, np.abs(expected))
    worst_abs = float(np.max(abs_diff)) if abs_diff.size else 0.0
    worst_rel = float(np.max(rel_diff)) if rel_diff.size else 0.0
    passed = (
        (agree is None or agree == 1.0) and worst_rel <= TOLERANCE and bool(np.isfinite(worst_abs))
    )
    return Parity(len(frame), agree, worst_abs, worst_rel, TOLERANCE, passed)


def _label_agreement(labels: np.ndarray, expected: np.ndarray, proba: np.ndarray) -> float:
    """Share of rows whose labels agree. A row where the reference's top classes are tied (a
    forest's 20/20 vote) agrees when ONNX picks one of the tied classes: both are right."""
    import numpy as np

    if len(labels) == 0:
        return 1.0
    top = proba.max(axis=1, keepdims=True)
    rows = np.arange(len(labels))
    valid = (labels >= 0) & (labels < proba.shape[1])
    picked = np.where(valid, proba[rows, np.clip(labels, 0, proba.shape[1] - 1)], -1.0)
    tied = top.ravel() - picked <= 1e-9
    return round(float(np.mean((labels == expected) | (valid & tied))), 6)
