"""Render a self-contained FastAPI service for a trained model from `templates/serving/` (its
files are declared by `templates/serving/manifest.yaml`).

Column names reach the generated code only as literals (`pyrepr`/`tojson`) or as validated
identifiers (`fields.field_specs`: an attribute name per feature, the column as its alias).
"""

from __future__ import annotations

import importlib.metadata
import sys
from dataclasses import dataclass
from typing import Any

from mcp_server.core import settings
from mcp_server.core.errors import MoaiMlError
from mcp_server.files.escape import Code
from mcp_server.files.render import to_identifier
from mcp_server.files.template_sets import template_set
from mcp_server.ml.data.schema import Schema
from mcp_server.ml.modeling.catalog import label_is_argmax, runtime_packages
from mcp_server.ml.serving.fields import example_frame, example_record, field_specs

RUNTIMES = ("onnx", "joblib")
FIELD_LINES_PER_MODULE = (
    180  # a field's lines in a record_part module (plus ~90 of helpers): under 300
)
ENDPOINTS = ["POST /predict", "POST /predict/batch", "GET /health", "GET /ready", "GET /metadata"]


@dataclass(frozen=True)
class ModelInfo:
    pipeline: Any
    schema: Schema
    model_name: str
    run_id: str
    metrics: dict[str, float]
    verdict: dict[str, Any] | None = None  # gates_passed, kept, rejected_reason, allow_failed_gates


def expected_output(info: ModelInfo, example: dict[str, Any], runtime: str) -> dict[str, Any]:
    """What the trained pipeline answers for the example (the generated tests compare to it);
    for ONNX, with the numbers rounded to float32 as the service feeds them to the model."""
    from mcp_server.ml.export.onnx_parity import float32_view

    frame = example_frame(info.schema, example)
    if runtime == "onnx":
        frame = float32_view(frame, info.schema)
    if info.schema.task == "regression":
        return {"prediction": float(info.pipeline.predict(frame)[0])}
    classes = info.schema.classes
    proba = info.pipeline.predict_proba(frame)[0]
    code = int(info.pipeline.predict(frame)[0])
    return {
        "prediction": classes[code],
        "probabilities": {str(c): float(p) for c, p in zip(classes, proba, strict=True)},
    }


def versions(runtime: str, model_name: str, copied_modules: bool = False) -> dict[str, str]:
    """Pinned requirements: what this machine generated and tested the service with. A service
    whose model modules are copied beside it (`copied_modules`) does not need this package."""
    names = ["fastapi", "uvicorn", "pydantic", "numpy"]
    names += ["onnxruntime"] if runtime == "onnx" else ["scikit-learn", "scipy", "pandas", "joblib"]
    if runtime == "joblib":
        names += [
            p for p in runtime_packages(model_name) if not copied_modules or p != "moai-domain-ml"
        ]
    from mcp_server.safety.supply_chain import pinned_closure

    return pinned_closure(names)  # transitive dependencies pinned too


def dev_versions() -> dict[str, str]:
    return {name: importlib.metadata.version(name) for name in ("pytest", "httpx")}


def metadata(info: ModelInfo, runtime: str) -> dict[str, Any]:
    schema = info.schema
    return {
        "model_name": info.model_name,
        "run_id": info.run_id,
        "task": schema.task,
        "target": schema.target,
        "classes": list(schema.classes),
        "runtime": runtime,
        "metrics": {k: float(v) for k, v in sorted(info.metrics.items())},
        "features": [
            {
                "name": f.name,
                "kind": f.kind,
                "nullable": spec["nullable"],  # null or absent is scored: the pipeline imputes
                "missing_in_training": f.nullable,
                "categories": list(f.categories),
            }
            for f, spec in zip(schema.features, field_specs(schema), strict=True)
        ],
        "generator": f"moai-domain-ml {_own_version()}",
        "verdict": dict(info.verdict or {}),
    }


def _own_version() -> str:
    from mcp_server import __version__

    return __version__


def check_servable(schema: Schema, runtime: str) -> None:
    if runtime not in RUNTIMES:
        raise MoaiMlError(
            f"unknown runtime {runtime!r}; pass runtime= one of {', '.join(RUNTIMES)}"
        )
    if runtime == "onnx":
        from mcp_server.ml.export.onnx_convert import check_convertible

        try:
            check_convertible(schema)
        except MoaiMlError as exc:
            raise MoaiMlError(f"{exc} For serving, use runtime='joblib'.") from exc
    # joblib serves datetime features too: the date-part step is vendored into the service
    # (`app/date_parts.py`, the same code as `mcp_server.ml.preprocess`), see `render_service`.


def render_context(info: ModelInfo, runtime: str, example: dict[str, Any]) -> dict[str, Any]:
    fields = field_specs(info.schema)
    parts = _parts(fields)
    return {
        "task": info.schema.task,
        "classification": info.schema.task != "regression",
        "classes": list(info.schema.classes),
        "fields": fields,
        "parts": [{"index": i, "fields": p} for i, p in enumerate(parts)],
        "runtime": runtime,
        "dates": bool(info.schema.of_kind("datetime")),
        "model_file": "model.onnx" if runtime == "onnx" else "model.joblib",
        "model_name": info.model_name,
        "run_id": info.run_id,
        "example": example,
        "expected": expected_output(info, example, runtime),
        "versions": versions(runtime, info.model_name),
        "dev_versions": dev_versions(),
        "required": [f["name"] for f in fields if not f["nullable"]],
        "bad_field": _bad_field(fields),
        "unseen_field": next((f["name"] for f in fields if f["kind"] == "enum"), None),
        "python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
        "env": service_env(),
        "image_name": to_identifier(f"{info.model_name}-{info.run_id[:8]}", "model").replace(
            "_", "-"
        ),
    }


def field_lines(field: dict[str, Any]) -> int:
    """Lines a field takes in its record_part module: the Field call, and its type's alias."""
    alias = {"enum": len(field["values"]) + 3, "bool": 8}.get(field["kind"], 0)
    return 6 + alias


def _parts(fields: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Fields in modules of at most FIELD_LINES_PER_MODULE lines of fields, in order."""
    parts: list[list[dict[str, Any]]] = [[]]
    used = 0
    for field in fields:
        if parts[-1] and used + field_lines(field) > FIELD_LINES_PER_MODULE:
            parts.append([])
            used = 0
        parts[-1].append(field)
        used += field_lines(field)
    return parts


def _bad_field(fields: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A field and a value of the wrong type for it, for the generated 422 test."""
    wrong: dict[str, Any] = {"number": "not a number", "enum": ["a", "list"], "bool": 2}
    for f in fields:
        if f["kind"] in wrong:
            return {"name": f["name"], "value": wrong[f["kind"]]}
    return None


def _feature_table(context: dict[str, Any], schema: Schema) -> dict[str, Any]:
    """What the predictor feeds the model: (attribute, column, kind, true token, false token)."""
    rows = [[f["attr"], f["name"], f["kind"], f["yes"], f["no"]] for f in context["fields"]]
    seen = [[f["attr"], f["name"], f["values"]] for f in context["fields"] if f["kind"] == "enum"]
    return {
        "features": rows,
        "seen": seen,
        "limits": number_limits(schema),
        "classes": context["classes"],
        "label_from_proba": label_is_argmax(context["model_name"]),
    }


def number_limits(schema: Schema) -> list[list[float]]:
    """[lows, highs] of the numeric features: the training range widened by a million spans
    (at least a million), within float32 (the ONNX classifier's clamp, see app/predictor.py)."""
    lows, highs = [], []
    for f in schema.features:
        if f.kind == "numeric":
            low = f.minimum if f.minimum is not None else 0.0
            high = f.maximum if f.maximum is not None else low
            width = 1e6 * max(high - low, 1.0)
            lows.append(max(low - width, -1e38))
            highs.append(min(high + width, 1e38))
    return [lows, highs]


def render_service(info: ModelInfo, runtime: str, model_bytes: bytes) -> dict[str, bytes | str]:
    """Every file of the service, relative to its directory."""
    check_servable(info.schema, runtime)
    example = example_record(info.schema)
    context = render_context(info, runtime, example)
    context["metadata"] = metadata(info, runtime)
    context["feature_table"] = _feature_table(context, info.schema)
    layout = template_set("serving")
    files: dict[str, bytes | str] = dict(layout.render("service", context))
    files[layout.path("model", context)] = model_bytes
    if runtime == "joblib" and info.schema.of_kind("datetime"):
        files[layout.path("date_parts", context)] = _date_parts_source()
    return files


def _date_parts_source() -> str:
    """The stable module the pipeline's date-part step was pickled from, copied as it is."""
    import inspect

    from mcp_server.ml import preprocess

    return inspect.getsource(preprocess)


def service_env() -> dict[str, dict[str, Code]]:
    """The service's variables for its templates, keyed by the setting's name in lower case
    (`max_body_bytes`): this product's own texts (settings), printed as they are."""
    return {
        s.name.lower().removeprefix("moai_"): {
            "name": Code(s.name),
            "default": Code(s.default),
            "meaning": Code(s.meaning),
        }
        for s in settings.SERVICE
    }
