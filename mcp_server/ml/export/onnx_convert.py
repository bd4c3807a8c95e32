"""Convert a fitted moai pipeline (preprocessing + estimator) to ONNX, whole.

The ONNX graph has (at most) two inputs: `numbers`, float32 `[N, k]` with the numeric features
in schema order (NaN for missing), and `strings`, string `[N, m]` with the categorical and
boolean features in schema order (`""` for missing); see onnx_inputs. Internally each feature
is named `c<i>_<sanitised column>` (ONNX tooling mangles arbitrary names).

Conversion runs on a deep copy of the pipeline with two conversion-only adjustments, so the
fitted model itself is never touched:
- the categorical imputer's `missing_values` becomes `""` (skl2onnx only converts a string
  imputer whose missing marker is a string; scikit-learn sees NaN, ONNX sees `""`);
- the ColumnTransformer selects the sanitised input names instead of the user's column names.
"""

from __future__ import annotations

import copy
import json
import re
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.data.schema import Schema
from mcp_server.ml.export.onnx_inputs import STRING_KINDS, group_inputs, input_groups
from mcp_server.ml.export.onnx_patches import install_patches
from mcp_server.ml.tracking import tags

if TYPE_CHECKING:
    import onnx

UNSUPPORTED_KINDS = ("datetime", "text")
OTHER_FORMATS = "joblib, pickle or skops"


def input_names(schema: Schema) -> list[str]:
    """One ONNX input name per feature: `c<i>_` + the column name reduced to [A-Za-z0-9_]."""
    return [
        f"c{i}_" + re.sub(r"[^0-9A-Za-z_]", "_", f.name)[:48] for i, f in enumerate(schema.features)
    ]


def check_convertible(schema: Schema) -> None:
    """Refuse schemas ONNX cannot express exactly, naming the formats that keep the exact model.

    Free text: skl2onnx turns TfidfVectorizer's Unicode word pattern into onnxruntime's ASCII-only
    tokenizer (`[a-zA-Z0-9_]+`, and a lower-casing step that needs the host's en_US locale), so
    any accented or non-Latin word scores differently; dates: the date parts are Python here."""
    text = [repr(f.name) for f in schema.features if f.kind == "text"]
    dates = [repr(f.name) for f in schema.features if f.kind == "datetime"]
    if text:
        raise MoaiMlError(
            f"ONNX cannot reproduce the free-text column(s) {', '.join(text[:5])}: "
            "onnxruntime's tokenizer "
            "splits on ASCII letters only, scikit-learn's on Unicode words, so the scores "
            "would differ. "
            f"Pass format= {OTHER_FORMATS} instead (they keep the exact pipeline)."
        )
    if dates:
        raise MoaiMlError(
            f"ONNX export does not support the datetime column(s) {', '.join(dates[:5])}. "
            f"Pass format= {OTHER_FORMATS} instead (they keep the exact pipeline)."
        )
    if not schema.features:
        raise MoaiMlError(
            "the model has no input features; nothing to convert to ONNX: pass format='joblib'"
        )


def to_onnx(pipeline: Any, schema: Schema, model_name: str) -> onnx.ModelProto:
    """The whole pipeline as one ONNX model (float32 numbers, string categories)."""
    check_convertible(schema)
    install_patches()
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    names = input_names(schema)
    conv = _conversion_copy(pipeline, schema, names)
    types = [
        (
            name,
            StringTensorType([None, 1]) if f.kind in STRING_KINDS else FloatTensorType([None, 1]),
        )
        for name, f in zip(names, schema.features, strict=True)
    ]
    estimator = conv.steps[-1][1]
    options = {id(estimator): {"zipmap": False}} if schema.task != "regression" else None
    try:
        # a neural family: the network exports through torch.onnx
        if hasattr(estimator, "scoring_module"):
            from mcp_server.ml.export.onnx_torch import pipeline_to_onnx

            model = pipeline_to_onnx(conv, types, schema.task)
        else:
            model = convert_sklearn(
                conv, initial_types=types, options=options, target_opset={"": 17, "ai.onnx.ml": 3}
            )
    except MoaiMlError:
        raise
    # converters raise anything: RuntimeError, NotImplementedError, TypeError
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise MoaiMlError(
            f"ONNX conversion of {model_name!r} failed ({type(exc).__name__}: {first}). "
            f"Pass format= {OTHER_FORMATS} instead (they keep the exact scikit-learn model)."
        ) from exc
    group_inputs(model, schema, names)
    _add_metadata(model, schema, names, model_name)
    proto: onnx.ModelProto = model
    return proto


def _conversion_copy(pipeline: Any, schema: Schema, names: list[str]) -> Any:
    """A deep copy whose ColumnTransformer selects the ONNX input names, with string imputers."""
    import numpy as np
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    if not isinstance(pipeline, Pipeline) or not isinstance(
        pipeline.steps[0][1], ColumnTransformer
    ):
        raise MoaiMlError(
            "ONNX export expects a moai pipeline (ColumnTransformer 'preprocess' then the model); "
            f"got {type(pipeline).__name__}. Pass format= {OTHER_FORMATS} instead."
        )
    conv = copy.deepcopy(pipeline)
    rename = dict(zip(schema.names, names, strict=True))
    ct = conv.steps[0][1]
    missing = [
        c
        for _, _, cols in ct.transformers_
        if isinstance(cols, list)
        for c in cols
        if c not in rename
    ]
    if missing:
        raise MoaiMlError(
            f"the pipeline uses columns {missing[:5]} that the schema does not list; "
            "retrain it with ml_train"
        )
    ct.transformers_ = [
        (n, _string_imputer(t), _renamed(cols, rename)) for n, t, cols in ct.transformers_
    ]
    ct.transformers = [(n, t, _renamed(cols, rename)) for n, t, cols in ct.transformers]
    ct.feature_names_in_ = np.array(names, dtype=object)
    return conv


def _renamed(columns: Any, rename: dict[str, str]) -> Any:
    if isinstance(columns, str):
        return rename.get(columns, columns)
    if isinstance(columns, list):
        return [rename.get(c, c) for c in columns]
    return columns


def _string_imputer(transformer: Any) -> Any:
    """Make a constant string imputer convertible (ONNX strings carry missing values as ""), and
    a one-hot encoder with grouped infrequent categories (see onnx_infrequent)."""
    from sklearn.impute import SimpleImputer

    from mcp_server.ml.export.onnx_infrequent import equivalent_steps, needs_rewrite

    steps = getattr(transformer, "steps", None) or []
    for _, step in steps:
        if isinstance(step, SimpleImputer) and isinstance(step.fill_value, str):
            step.missing_values = ""
    # grouped infrequent categories: an exact equivalent
    if any(needs_rewrite(step) for _, step in steps):
        transformer.steps = [
            new
            for name, step in steps
            for new in (equivalent_steps(step) if needs_rewrite(step) else [(name, step)])
        ]
    return transformer


def _add_metadata(
    model: onnx.ModelProto, schema: Schema, names: list[str], model_name: str
) -> None:
    """Record the column <-> input mapping, the task and the classes inside the file."""
    columns = input_groups(schema)
    props = {
        tags.ONNX_MODEL_NAME: model_name,
        tags.ONNX_TASK: schema.task,
        tags.ONNX_TARGET: schema.target,
        tags.ONNX_INPUTS: json.dumps(columns),
        tags.ONNX_CLASSES: json.dumps([str(c) for c in schema.classes]),
    }
    for key, value in props.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    model.producer_name = "moai-domain-ml"
    model.graph.name = (
        "moai_pipeline"  # skl2onnx names it with a random uuid: keep exports reproducible
    )
