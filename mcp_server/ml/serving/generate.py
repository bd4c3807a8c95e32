"""Generate the serving app of a run: model file (ONNX proven by parity, or joblib), then files.

Three steps, which `ml_generate_serving` runs on the lifecycle driver (`serving_run`) and
`generate_serving` runs in turn in the caller's process: `plan_service` in the server (the run
admitted by its verdict, the runtime chosen and checked against its kind of data, its model's
signature, the output folder), `render_files` where the work runs (the model loaded, converted
and proven, the files rendered) and `write_service` (the override on the run, the files written,
a person's edits kept)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from mcp_server.ml.tracking.verdict import Verdict
    from mcp_server.ml.tracking.view import RunView

USE = "serve"
FORECAST, IMAGE_SERVICE = "forecast", "images"  # a service of its own kind of data


@dataclass(frozen=True)
class Generated:
    output_dir: str
    report: WriteReport
    runtime: str
    parity: Parity | None
    endpoints: list[str]
    verdict: dict[str, Any]
    runtime_reason: str = ""


@dataclass(frozen=True)
class ServicePlan:
    """What the server decided, for the step that renders: the job's payload."""

    root: str
    run_id: str
    trusted: bool
    service: str  # a runtime (onnx, joblib, torchserve, tfserving), or forecast / images
    reason: str  # why this runtime
    folder: str  # the service's folder, relative to the workspace
    verdict: dict[str, Any] = field(default_factory=dict)  # as the service's /metadata tells it


@dataclass(frozen=True)
class ServiceFiles:
    """What rendering made: the files (relative to the service folder) and how it scores."""

    files: dict[str, bytes | str]
    runtime: str
    reason: str
    parity: Parity | None
    endpoints: list[str]


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
    """The three steps in turn, in this process (the tool runs them on the lifecycle driver)."""
    plan, run, verdict = plan_service(
        workspace, run_id, output_dir, runtime, trusted, allow_failed_gates
    )
    files = render_files(plan, lambda *_: None)
    return write_service(workspace, plan, run, verdict, files, overwrite)


def plan_service(
    workspace: Workspace,
    run_id: str,
    output_dir: str | None,
    runtime: str,
    trusted: bool,
    allow_failed_gates: bool,
) -> tuple[ServicePlan, RunView, Verdict]:
    """In the server, nothing loaded: the run admitted, the runtime chosen and checked, the
    model's signature and the output folder checked."""
    from mcp_server.ml.data.kinds.registry import check_route
    from mcp_server.ml.export.export_run import signed_model
    from mcp_server.ml.tracking.doors import check, passed
    from mcp_server.ml.tracking.model_registry import resolve_run_id
    from mcp_server.ml.tracking.runs import get_store

    store = get_store(workspace)
    run = store.get_run(resolve_run_id(store, run_id))
    verdict = check(store, run, USE, allow_failed_gates)
    check_route(run.data_kind, "serving", runtime if runtime != AUTO else None)
    folder = store.moai_dir(run.run_id)
    signed_model(folder, run.run_id, trusted)
    schema = Schema.from_dict(json.loads((folder / run_tags.SCHEMA_FILE).read_text("utf-8")))
    service, reason = _service(run, schema, runtime)
    rel = _service_folder(workspace, output_dir or default_output_dir(run.run_id, dict(run.tags)))
    plan = ServicePlan(
        str(workspace.root),
        run.run_id,
        trusted,
        service,
        reason,
        rel,
        passed(verdict, USE).as_dict(),
    )
    return plan, run, verdict


def _service(run: RunView, schema: Schema, runtime: str) -> tuple[str, str]:
    """The service a run gets and why: its kind's own (forecast, images), else the runtime asked
    for, or chosen (`choose_runtime`), among its kind's routes."""
    from mcp_server.ml.data.kinds.registry import check_route

    if run.data_kind == TIMESERIES:  # the kind's one route (checked): joblib
        return FORECAST, f"{CHOSEN} joblib: a forecaster continues the posted history in Python"
    if run.data_kind == IMAGES and runtime in OTHER_RUNTIMES:  # checked: TorchServe, TF Serving
        return runtime, f"runtime={runtime!r} was asked for"
    if run.data_kind == IMAGES:  # the kind's own service (checked): joblib
        return IMAGE_SERVICE, (
            f"{CHOSEN} joblib: the service runs the trained pipeline on the decoded image"
        )
    reason = f"runtime={runtime!r} was asked for"
    if runtime == AUTO:
        runtime, reason = choose_runtime(schema)
        check_route(run.data_kind, "serving", runtime)
    check_text_runtime(run.model, runtime)
    if runtime not in OTHER_RUNTIMES:
        check_servable(schema, runtime)
    return runtime, reason


def render_files(plan: ServicePlan, progress: Callable[..., None]) -> ServiceFiles:
    """Where the work runs (the job process): the model loaded, its service rendered; for the
    onnx runtime the pipeline converted and proven, joblib when a chosen conversion fails."""
    from mcp_server.ml.tracking.runs import get_store

    progress(0, "loading the model")
    loaded = get_store(Workspace(plan.root)).load_run(plan.run_id, trusted=plan.trusted)
    name = loaded.model_name or "model"
    info = ModelInfo(loaded.model, loaded.schema, name, plan.run_id, loaded.metrics, plan.verdict)
    progress(1, "rendering the service")
    if plan.service == FORECAST:
        from mcp_server.ml.serving import forecast

        files = forecast.render_forecast_service(info)
        return ServiceFiles(files, "joblib", plan.reason, None, list(forecast.ENDPOINTS))
    if plan.service == IMAGE_SERVICE:
        from mcp_server.ml.serving import images

        files = images.render_image_service(info)
        return ServiceFiles(files, "joblib", plan.reason, None, list(images.ENDPOINTS))
    if plan.service in OTHER_RUNTIMES:  # TorchServe / TF Serving: their own files, no FastAPI app
        name = to_identifier(plan.folder.rsplit("/", 1)[-1], "model")
        files, endpoints = OTHER_RUNTIMES[plan.service](info, name)
        return ServiceFiles(files, plan.service, plan.reason, None, endpoints)
    return _fastapi_files(plan, info, loaded.tags)


def _fastapi_files(plan: ServicePlan, info: ModelInfo, tags: dict[str, str]) -> ServiceFiles:
    """The FastAPI service of a table run: its model file (ONNX proven, or joblib) and app."""
    from mcp_server.ml.export.formats import PROVEN, parity_sample, run_table, serialize

    runtime, reason = plan.service, plan.reason
    sample = None  # the training rows are read only to prove an ONNX file (joblib is the model)
    if runtime in PROVEN:
        sample = parity_sample(info.schema, run_table(Workspace(plan.root), tags, None))
    name, schema = info.model_name, info.schema
    try:
        data, parity = serialize(info.pipeline, schema, name, runtime, sample, labelled=False)
    except MoaiMlError as exc:
        if not reason.startswith(CHOSEN):  # asked for by name: its refusal stands
            raise
        runtime, reason = "joblib", f"{JOBLIB}: the ONNX conversion failed ({exc})"
        data, parity = serialize(info.pipeline, schema, name, runtime, sample, labelled=False)
    files = render_service(info, runtime, data)
    return ServiceFiles(files, runtime, reason, parity, list(ENDPOINTS))


def write_service(
    workspace: Workspace,
    plan: ServicePlan,
    run: RunView,
    verdict: Verdict,
    rendered: ServiceFiles,
    overwrite: bool,
) -> Generated:
    """The override written on the run, then the files (a person's edits kept unless
    `overwrite`)."""
    from mcp_server.ml.tracking.doors import record_override
    from mcp_server.ml.tracking.runs import get_store

    record_override(get_store(workspace), run, verdict, USE)
    files = {f"{plan.folder}/{path}": content for path, content in rendered.files.items()}
    report = workspace.write_files(files, overwrite=overwrite)
    return Generated(
        plan.folder,
        report,
        rendered.runtime,
        rendered.parity,
        rendered.endpoints,
        plan.verdict,
        rendered.reason,
    )


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
    target = workspace.resolve(folder)  # outside the workspace: refused first
    if target == workspace.root or (workspace.root / layout.MOAI) in (target, *target.parents):
        raise MoaiMlError(
            f"output_dir {folder!r} must be a folder of its own (e.g. serving/<name>), not "
            "the root or .moai"
        )
    if target.exists() and not target.is_dir():
        raise MoaiMlError(f"output_dir {folder!r} is a file; give a folder")
    workspace.check_output_folder(folder)  # a file above it, too deep: before the job
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
