"""Generate the serving app of a run: model file (ONNX proven by parity, or joblib), then files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mcp_server.core import layout
from mcp_server.core.errors import MoaiMlError
from mcp_server.files.render import to_identifier
from mcp_server.files.workspace import Workspace, WriteReport
from mcp_server.ml.data.kinds.images import IMAGES
from mcp_server.ml.data.kinds.timeseries import TIMESERIES
from mcp_server.ml.data.schema import Schema
from mcp_server.ml.export.onnx_parity import Parity
from mcp_server.ml.serving.service import ENDPOINTS, ModelInfo, check_servable, render_service
from mcp_server.ml.tracking import tags as run_tags


@dataclass(frozen=True)
class Generated:
    output_dir: str
    report: WriteReport
    runtime: str
    parity: Parity | None
    endpoints: list[str]
    verdict: dict[str, Any]
    runtime_reason: str = ""


def default_output_dir(run_id: str, tags: dict[str, str]) -> str:
    """`serving/ml_001` for a SPEC's run, else `serving/run_<first 8 of the run id>`."""
    spec = tags.get(run_tags.SPEC_ID)
    if spec:
        return f"serving/{to_identifier(spec, 'spec')}"
    return f"serving/{to_identifier('run_' + run_id[:8], 'run')}"


def generate_serving(
    workspace: Workspace,
    run_id: str,
    output_dir: str | None,
    runtime: str,
    overwrite: bool = False,
    trusted: bool = False,
    allow_failed_gates: bool = False,
) -> Generated:
    from mcp_server.ml.data.kinds.registry import check_route  # before loading: the kind's routes
    from mcp_server.ml.export.formats import parity_sample, run_table, serialize
    from mcp_server.ml.tracking.doors import open_run
    from mcp_server.ml.tracking.runs import get_store

    store = get_store(workspace)
    run, verdict = open_run(store, run_id, "serve", allow_failed_gates)
    check_route(run.data_kind, "serving", runtime if runtime != AUTO else None)
    loaded = store.load_run(run.run_id, trusted=trusted)
    reason = f"runtime={runtime!r} was asked for"
    if run.data_kind == TIMESERIES:  # the kind's one route (checked above): joblib
        return _forecast_service(workspace, loaded, run.run_id, output_dir, overwrite, verdict)
    if run.data_kind == IMAGES:  # the kind's one route (checked above): joblib
        return _image_service(workspace, loaded, run.run_id, output_dir, overwrite, verdict)
    if runtime == AUTO:
        runtime, reason = choose_runtime(loaded.schema)
        check_route(run.data_kind, "serving", runtime)
    check_text_runtime(loaded.model_name, runtime)
    if runtime not in OTHER_RUNTIMES:
        check_servable(loaded.schema, runtime)
    rel = _service_folder(workspace, output_dir or default_output_dir(run.run_id, loaded.tags))
    name = loaded.model_name or "model"
    info = ModelInfo(
        loaded.model, loaded.schema, name, run.run_id, loaded.metrics, verdict.as_dict()
    )
    if runtime in OTHER_RUNTIMES:  # TorchServe / TF Serving: their own files, no FastAPI app
        files, endpoints = OTHER_RUNTIMES[runtime](
            info, to_identifier(rel.rsplit("/", 1)[-1], "model")
        )
        report = workspace.write_files(
            {f"{rel}/{p}": c for p, c in files.items()}, overwrite=overwrite
        )
        return Generated(rel, report, runtime, None, endpoints, verdict.as_dict(), reason)
    sample = parity_sample(loaded.schema, run_table(workspace, loaded.tags, None))
    try:
        data, parity = serialize(loaded.model, loaded.schema, name, runtime, sample, labelled=False)
    except MoaiMlError as exc:
        if not reason.startswith(CHOSEN):  # asked for by name: its refusal stands
            raise
        runtime, reason = "joblib", f"{JOBLIB}: the ONNX conversion failed ({exc})"
        data, parity = serialize(loaded.model, loaded.schema, name, runtime, sample, labelled=False)
    files = render_service(info, runtime, data)
    report = workspace.write_files(
        {f"{rel}/{path}": content for path, content in files.items()}, overwrite=overwrite
    )
    return Generated(rel, report, runtime, parity, list(ENDPOINTS), verdict.as_dict(), reason)


def _forecast_service(
    workspace: Workspace,
    loaded: Any,
    run_id: str,
    output_dir: str | None,
    overwrite: bool,
    verdict: Any,
) -> Generated:
    """A time-series run's service: POST /forecast from recent history (`serving.forecast`)."""
    from mcp_server.ml.serving import forecast

    rel = _service_folder(workspace, output_dir or default_output_dir(run_id, loaded.tags))
    name = loaded.model_name or "model"
    info = ModelInfo(loaded.model, loaded.schema, name, run_id, loaded.metrics, verdict.as_dict())
    files = forecast.render_forecast_service(info)
    report = workspace.write_files({f"{rel}/{p}": c for p, c in files.items()}, overwrite=overwrite)
    reason = f"{CHOSEN} joblib: a forecaster continues the posted history in Python"
    endpoints = list(forecast.ENDPOINTS)
    return Generated(rel, report, "joblib", None, endpoints, verdict.as_dict(), reason)


def _image_service(
    workspace: Workspace,
    loaded: Any,
    run_id: str,
    output_dir: str | None,
    overwrite: bool,
    verdict: Any,
) -> Generated:
    """An image run's service: POST /predict takes an upload or base64 (`serving.images`)."""
    from mcp_server.ml.serving import images

    rel = _service_folder(workspace, output_dir or default_output_dir(run_id, loaded.tags))
    name = loaded.model_name or "model"
    info = ModelInfo(loaded.model, loaded.schema, name, run_id, loaded.metrics, verdict.as_dict())
    files = images.render_image_service(info)
    report = workspace.write_files({f"{rel}/{p}": c for p, c in files.items()}, overwrite=overwrite)
    reason = f"{CHOSEN} joblib: the service runs the trained pipeline on the decoded image"
    return Generated(rel, report, "joblib", None, list(images.ENDPOINTS), verdict.as_dict(), reason)


def check_text_runtime(model_name: str | None, runtime: str) -> None:
    """A text network's ONNX file takes token ids, not the table's text: the service runs the
    pipeline itself (joblib), which tokenizes as training did."""
    from mcp_server.ml.modeling.catalog import reads_text

    if runtime == "onnx" and reads_text(model_name or ""):
        raise MoaiMlError(
            f"use runtime='joblib' (or the run's MLflow pyfunc model): the ONNX file of "
            f"{model_name} takes token ids, not the text the service receives"
        )


AUTO = "auto"
CHOSEN = "chosen"
JOBLIB = f"{CHOSEN} joblib, the trained scikit-learn pipeline itself"
PYTHON_STEPS = {"datetime": "date", "text": "free-text"}


def choose_runtime(schema: Schema) -> tuple[str, str]:
    """The default runtime: ONNX (onnxruntime, parity-checked, fastest) when the pipeline converts
    exactly, else joblib, which runs the pipeline itself; with the reason, for the result."""
    python_only = [
        f"{PYTHON_STEPS[f.kind]} column {f.name!r}"
        for f in schema.features
        if f.kind in PYTHON_STEPS
    ]
    if python_only:
        listed = ", ".join(python_only[:5]) + (", ..." if len(python_only) > 5 else "")
        return "joblib", (
            f"{JOBLIB}: ONNX cannot reproduce the {listed} exactly (date parts and the TF-IDF "
            "tokenizer are Python steps of the pipeline), so the service runs the pipeline"
        )
    return "onnx", f"{CHOSEN} onnx: the pipeline converts to ONNX exactly (parity-checked), fastest"


def _service_folder(workspace: Workspace, folder: str) -> str:
    """The service's folder, relative to the workspace: a folder of its own, never `.moai`."""
    target = workspace.resolve(folder)
    if target == workspace.root or (workspace.root / layout.MOAI) in (target, *target.parents):
        raise MoaiMlError(
            f"output_dir {folder!r} must be a folder of its own (e.g. serving/<name>), not "
            "the root or .moai"
        )
    if target.exists() and not target.is_dir():
        raise MoaiMlError(f"output_dir {folder!r} is a file; give a folder")
    return workspace.relative(target)


def _torchserve(info: ModelInfo, name: str) -> tuple[dict[str, bytes | str], list[str]]:
    from mcp_server.ml.serving import torchserve

    return torchserve.render_torchserve(info, name), [
        e.format(name=name) for e in torchserve.ENDPOINTS
    ]


def _tfserving(info: ModelInfo, name: str) -> tuple[dict[str, bytes | str], list[str]]:
    from mcp_server.ml.serving import tfserving

    return tfserving.render_tfserving(info, name), [
        e.format(name=name) for e in tfserving.ENDPOINTS
    ]


OTHER_RUNTIMES: dict[str, Callable[[ModelInfo, str], tuple[dict[str, bytes | str], list[str]]]] = {
    "torchserve": _torchserve,
    "tfserving": _tfserving,
}
