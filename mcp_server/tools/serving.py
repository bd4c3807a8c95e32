"""`ml_generate_serving`: a self-contained FastAPI service for a run, with its tests and
Dockerfile."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, Field

from mcp_server.files.workspace import Workspace
from mcp_server.ml.capability import Call, Capability, Recorded
from mcp_server.ml.modeling import catalog
from mcp_server.ml.serving.generate import ServiceFiles
from mcp_server.ml.serving.requests import ServingArgs
from mcp_server.ml.serving.serving_run import prepare_serving, record_serving, serving_job
from mcp_server.tools._common import WRITES_FILES
from mcp_server.tools._lifecycle import drive
from mcp_server.tools._next import after_serving
from mcp_server.tools.args import AllowFailedGates, RunRef, Trusted
from mcp_server.tools.export import ParityFigures, figures

MAX_LISTED = 40
RUN = "pip install -r requirements.txt && uvicorn app.main:app --host 127.0.0.1 --port 8000"
TEST = "pip install -r requirements-dev.txt && pytest"
RUNTIME_COMMANDS = {
    "torchserve": (
        "torchserve --start --foreground --ts-config config.properties --model-store model_store",
        "see README.md: curl /predictions with the inference key from key_file.json",
    ),
    "tfserving": (
        "see README.md: docker run tensorflow/serving with models.config (no TF Serving "
        "binary on PyPI)",
        "see README.md: POST request.json to /v1/models/<name>:predict",
    ),
}


class ServingResult(BaseModel):
    output_dir: str = Field(description="The service folder, relative to the workspace")
    runtime: Literal["onnx", "joblib", "torchserve", "tfserving"] = Field(
        description="How it scores: onnxruntime, the joblib pipeline, TorchServe or TF Serving"
    )
    runtime_reason: str = Field(
        description="Why this runtime: asked for, or chosen by runtime='auto' (ONNX when the "
        "pipeline converts exactly, else joblib, naming the columns ONNX cannot take)"
    )
    files_written: list[str] = Field(description="Files written or updated (up to 40)")
    files_unchanged: int = Field(description="Files already up to date")
    files_skipped: list[str] = Field(
        description="Files edited by a person and left alone (pass overwrite=true)"
    )
    endpoints: list[str] = Field(description="HTTP endpoints of the service")
    parity: ParityFigures | None = Field(
        description="ONNX agreement with the trained model (runtime onnx)"
    )
    run_command: str = Field(description="Command that starts the service, from output_dir")
    test_command: str = Field(
        description="Command that runs the service's own tests, from output_dir"
    )
    verdict: dict[str, Any] = Field(
        description="The run's verdict: gates_passed, kept, rejected_reason, allow_failed_gates "
        "(an "
        "override)"
    )
    next_step: str = Field(description="The call to make next")


def _answer(call: Call[ServingArgs], outcome: ServiceFiles, recorded: Recorded) -> ServingResult:
    done = recorded.written  # `generate.Generated`
    parity = done.parity if done.runtime == "onnx" else None
    run_command, test_command = RUNTIME_COMMANDS.get(done.runtime, (RUN, TEST))
    return ServingResult(
        output_dir=done.output_dir,
        runtime=done.runtime,
        runtime_reason=done.runtime_reason,
        files_written=done.report.written[:MAX_LISTED],
        files_unchanged=len(done.report.unchanged),
        files_skipped=done.report.skipped[:MAX_LISTED],
        endpoints=done.endpoints,
        parity=figures(parity),
        run_command=run_command,
        test_command=test_command,
        verdict=done.verdict,
        next_step=after_serving(call.request.run_id),
    )


SERVING = Capability(
    name="serving",
    prepare=prepare_serving,
    execute=serving_job,
    record=record_serving,
    answer=_answer,
    creates_runs=False,  # the service is files; an override is a tag on the existing run
    recording="writing the service",
)


def _names(runtime: str) -> str:
    """The families a dedicated runtime serves, as the registry lists them."""
    return "/".join(spec.name for spec in catalog.served_by(runtime))


def register(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=WRITES_FILES, title="Generate a FastAPI prediction service")
    async def ml_generate_serving(
        run_id: RunRef,
        output_dir: Annotated[
            str | None,
            Field(
                min_length=1,
                max_length=1024,
                description="Folder for the service (default serving/<spec or run>)",
            ),
        ] = None,
        runtime: Annotated[
            Literal["auto", "onnx", "joblib", "torchserve", "tfserving"],
            Field(
                description="auto: onnx if exact, else joblib; "
                f"torchserve .mar: {_names('torchserve')}; "
                f"tfserving SavedModel: {_names('tfserving')}"
            ),
        ] = "auto",
        overwrite: Annotated[
            bool, Field(description="Also replace files a person edited since generation")
        ] = False,
        trusted: Trusted = False,
        allow_failed_gates: AllowFailedGates = False,
        ctx: Context | None = None,
    ) -> ServingResult:
        """Generate a self-contained FastAPI service for a trained run: a pydantic request model
        typed from the training schema that takes what the model scores (a row as read_csv reads it;
        unseen categories answered and flagged, extra keys ignored and named, nulls imputed), POST
        /predict and /predict/batch, GET /health, /ready, /metadata; runtime auto (onnx when it
        converts exactly, else joblib; the result says which and why); 422 for bad input; its own
        pytest tests, pinned requirements.txt, Dockerfile (non-root, HEALTHCHECK) and README. Files
        a person edited are never overwritten unless overwrite=true. Then run test_command. A run
        that failed its SPEC's gates or was rejected is refused unless allow_failed_gates=true
        (recorded on the run and in the service's /metadata). runtime="torchserve" (PyTorch network
        runs: table, image upload or text) writes a BaseHandler, config.properties and the .mar
        built by torch-model-archiver; runtime="tfserving" (Keras network runs: table, or image
        pixels in) a SavedModel under <name>/1/, models.config and a README with the docker
        command. A time-series run (runtime joblib) gets POST /forecast instead: the recent history
        of each series in, every series' next horizon steps with lower/upper out (422 for
        off-frequency, repeated or too-short history)."""
        args = ServingArgs(run_id, output_dir, runtime, overwrite, trusted, allow_failed_gates)
        return await drive(SERVING, workspace, args, ctx)
