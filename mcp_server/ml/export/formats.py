"""Export a fitted pipeline: joblib, pickle, skops or ONNX (proven against the model first).

Files land in the run store, `.moai/ml/exports/<run_id>/model.<ext>`, beside `schema.json`,
written atomically. An ONNX file is written only after its parity check passed, so a broken
or non-matching file is never left behind; skops files are read back with the safe loader and
must predict exactly what the model predicts.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core import layout
from mcp_server.core.errors import MoaiMlError
from mcp_server.files.workspace import Workspace, atomic_write
from mcp_server.ml.data.schema import Schema
from mcp_server.ml.export.onnx_parity import Parity, check_parity, synthetic_rows
from mcp_server.ml.tracking import tags as run_tags
from mcp_server.safety.signing import sign_file

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("joblib", "pickle", "skops", "onnx")
# The formats whose file is not the model itself and is proven against it on a parity sample of
# rows; the others are the model's own bytes, so no rows are read or drawn for them.
PROVEN = ("skops", "onnx")
EXTENSIONS = {"joblib": "joblib", "pickle": "pkl", "skops": "skops", "onnx": "onnx"}
REAL_ROWS = 500
_SAFE_NAME = re.compile(r"[^0-9A-Za-z_.-]")


@dataclass(frozen=True)
class Exported:
    path: Path
    format: str
    size_bytes: int
    sha256: str
    parity: Parity | None
    schema_path: Path


def parity_sample(schema: Schema, frame: pd.DataFrame | None, seed: int = 0) -> pd.DataFrame:
    """Up to 500 real rows (when a table is given) plus 200 synthetic rows from the schema (none
    for images: they cannot be drawn from a schema)."""
    import pandas as pd

    from mcp_server.ml.modeling.preprocess import coerce_frame

    parts = [] if schema.of_kind("image") else [synthetic_rows(schema, seed=seed)]
    if frame is not None and len(frame):
        parts.insert(0, frame.sample(min(REAL_ROWS, len(frame)), random_state=seed))
    if not parts:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in schema.names})
    return coerce_frame(
        pd.concat([coerce_frame(p, schema) for p in parts], ignore_index=True), schema
    )


def serialize(
    pipeline: Any,
    schema: Schema,
    model_name: str,
    fmt: str,
    sample: pd.DataFrame | None,
    *,
    labelled: bool = True,
) -> tuple[bytes, Parity | None]:
    """The file content for `fmt`, and the parity figures when the format is not the model itself.

    With `labelled` (every export), the file answers like scikit-learn promises: joblib, pickle and
    skops hold a `LabelledModel` (raw tables in, labels out, `classes_` = the labels), and the
    ONNX label output carries the labels in their own type. The generated service takes the bare
    pipeline (`labelled=False`): it maps codes to labels itself and never imports this package.
    A `PROVEN` format given no `sample` is proven on synthetic rows drawn from the schema."""
    if fmt in ("joblib", "pickle", "skops") and labelled:
        from mcp_server.ml.modeling.faithful import labelled as wrap

        pipeline = wrap(pipeline, schema)
    if fmt == "joblib":
        import joblib

        buffer = io.BytesIO()
        joblib.dump(pipeline, buffer, compress=3)
        return buffer.getvalue(), None
    if fmt == "pickle":
        return pickle.dumps(pipeline, protocol=pickle.HIGHEST_PROTOCOL), None
    if sample is None:
        sample = parity_sample(schema, None)
    if fmt == "skops":
        return _skops_bytes(pipeline, schema, model_name, sample)
    if fmt == "onnx":
        data, parity = _onnx_bytes(pipeline, schema, model_name, sample)
        if labelled and schema.task != "regression":
            from mcp_server.ml.export.onnx_labels import label_output

            data = label_output(data, schema)
        return data, parity
    raise MoaiMlError(f"unknown export format {fmt!r}; pass format= one of {', '.join(FORMATS)}")


def _onnx_bytes(
    pipeline: Any, schema: Schema, model_name: str, sample: pd.DataFrame
) -> tuple[bytes, Parity]:
    from mcp_server.ml.export.onnx_convert import OTHER_FORMATS, to_onnx

    if schema.of_kind("image"):  # the network alone, proven on the sample's real images
        from mcp_server.ml.export.onnx_image import image_onnx_bytes

        return image_onnx_bytes(pipeline, schema, model_name, sample)
    from mcp_server.ml.export.onnx_text import text_estimator, text_onnx_bytes

    if text_estimator(pipeline) is not None:  # token ids in; its tokenizer in the metadata
        return text_onnx_bytes(pipeline, schema, model_name, sample)
    data = to_onnx(pipeline, schema, model_name).SerializeToString()
    try:
        parity = check_parity(data, pipeline, schema, sample, model_name)
    except Exception as exc:  # onnxruntime refusing the graph is a conversion failure, not a crash
        raise MoaiMlError(
            f"the converted ONNX model of {model_name!r} does not run in onnxruntime ({exc}); "
            f"pass format= {OTHER_FORMATS} instead"
        ) from exc
    if not parity.passed:
        from mcp_server.ml.modeling.catalog import parity_note

        hint = parity_note(model_name)
        raise MoaiMlError(
            f"ONNX parity check failed for {model_name!r}: {parity.describe()}; the ONNX "
            "file was not kept."
            f"{hint} Pass format= {OTHER_FORMATS} instead."
        )
    return data, parity


def _skops_bytes(
    pipeline: Any, schema: Schema, model_name: str, sample: pd.DataFrame
) -> tuple[bytes, Parity]:
    import numpy as np

    from mcp_server.ml.export.safe_load import load_skops_bytes

    try:
        import skops.io as sio

        data = sio.dumps(pipeline)
        restored = load_skops_bytes(data)
    except MoaiMlError:
        raise
    except Exception as exc:  # skops cannot persist some third-party objects
        raise MoaiMlError(
            f"skops cannot save {model_name!r} ({type(exc).__name__}: {exc}); "
            "pass format='joblib' or format='onnx' instead"
        ) from exc
    method = "predict" if schema.task == "regression" else "predict_proba"
    expected = np.asarray(getattr(pipeline, method)(sample), dtype=np.float64)
    got = np.asarray(getattr(restored, method)(sample), dtype=np.float64)
    diff = float(np.max(np.abs(got - expected))) if got.size else 0.0
    agree = (
        None
        if schema.task == "regression"
        else float(np.mean(pipeline.predict(sample) == restored.predict(sample)))
    )
    parity = Parity(len(sample), agree, diff, diff, 0.0, diff == 0.0 and agree in (None, 1.0))
    if not parity.passed:
        raise MoaiMlError(
            f"the skops file of {model_name!r} does not predict like the model "
            f"({parity.describe()}); pass format='joblib' or format='onnx' instead"
        )
    return data, parity


def export_pipeline(
    workspace: Workspace,
    run_id: str,
    pipeline: Any,
    schema: Schema,
    model_name: str,
    fmt: str,
    frame: pd.DataFrame | None = None,
    data_kind: str = run_tags.DEFAULT_DATA_KIND,
) -> Exported:
    """Serialize, check, then write `.moai/ml/exports/<run_id>/model.<ext>` and `schema.json`;
    a format outside the routes of the model's kind of data is refused first."""
    data, parity = encode(pipeline, schema, model_name, fmt, frame, data_kind)
    return write_export(workspace, run_id, fmt, data, schema, parity)


def check_format(fmt: str, data_kind: str) -> None:
    """A known format among the routes of the model's kind of data (`kinds.registry`)."""
    from mcp_server.ml.data.kinds.registry import check_route

    if fmt not in FORMATS:
        raise MoaiMlError(
            f"unknown export format {fmt!r}; pass format= one of {', '.join(FORMATS)}"
        )
    check_route(data_kind, "export", fmt)


def encode(
    pipeline: Any,
    schema: Schema,
    model_name: str,
    fmt: str,
    frame: pd.DataFrame | None,
    data_kind: str,
) -> tuple[bytes, Parity | None]:
    """The exported file's bytes, proven against the model where the format is not the model."""
    from mcp_server.ml.modeling.faithful import bare

    check_format(fmt, data_kind)
    pipeline = bare(pipeline)  # a file this product exported holds the pipeline behind its labels
    sample = parity_sample(schema, frame) if fmt in PROVEN else None
    return serialize(pipeline, schema, model_name, fmt, sample)


def write_export(
    workspace: Workspace, key: str, fmt: str, data: bytes, schema: Schema, parity: Parity | None
) -> Exported:
    """`.moai/ml/exports/<key>/model.<ext>` and `schema.json`, written atomically; a pickle is
    signed, so `ml_export model_path=…` loads it again without trusted=true."""
    workspace.ensure_dir(layout.export_dir(_SAFE_NAME.sub("_", key)))
    path, schema_path = (workspace.writable(p) for p in export_paths(workspace, key, fmt))
    atomic_write(schema_path, json.dumps(schema.to_dict(), indent=1, default=str).encode("utf-8"))
    atomic_write(path, data)
    if fmt in ("joblib", "pickle"):
        sign_file(path)
    return Exported(path, fmt, len(data), hashlib.sha256(data).hexdigest(), parity, schema_path)


def export_paths(workspace: Workspace, key: str, fmt: str) -> tuple[Path, Path]:
    """The exported file and its `schema.json`: `.moai/ml/exports/<key>/`."""
    folder = workspace.root / layout.export_dir(_SAFE_NAME.sub("_", key))
    return folder / f"model.{EXTENSIONS[fmt]}", folder / "schema.json"


def run_table(
    workspace: Workspace, tags: dict[str, str], data_path: str | None
) -> pd.DataFrame | None:
    """Real rows for the parity sample: `data_path`, else the data the run was trained on (if still
    there), read by their kind (a table, an image folder)."""
    from mcp_server.ml.data.kinds.registry import kind_for

    if data_path:
        path = workspace.resolve(data_path, must_exist=True)
        rows: pd.DataFrame = kind_for(path).read(path)
        return rows
    recorded = tags.get(run_tags.DATA_PATH)
    if not recorded:
        return None
    try:
        path = workspace.resolve(recorded)
        return kind_for(path).read(path) if path.exists() else None
    except MoaiMlError:  # moved, changed or outside the workspace: synthetic rows still run
        return None
