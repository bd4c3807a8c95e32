"""`ml_export`: a run's model as joblib, pickle, skops or ONNX (ONNX proven by a parity check)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, Field

from mcp_server.core.names import RUN_REF
from mcp_server.files.workspace import Workspace
from mcp_server.ml.capability import Call, Capability, Recorded
from mcp_server.ml.export.export_run import (
    Converted,
    export_job,
    exported,
    prepare_export,
    record_export,
)
from mcp_server.ml.export.onnx_parity import Parity
from mcp_server.ml.export.requests import ExportArgs
from mcp_server.tools._common import WRITES_FILES
from mcp_server.tools._lifecycle import drive
from mcp_server.tools._next import after_export
from mcp_server.tools.args import AllowFailedGates

LOAD_HINTS = {
    "joblib": "joblib.load(path) - runs code when loaded: only load files you trust",
    "pickle": "pickle.load(open(path, 'rb')) - runs code when loaded: only load files you trust",
    "skops": "skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path)) after reviewing "
    "that list",
    "onnx": "onnxruntime.InferenceSession(path): one float32/string [N,1] input per feature, in "
    "schema order",
}


class ParityFigures(BaseModel):
    rows: int = Field(
        description="Rows compared: held-out real rows plus synthetic rows from the schema"
    )
    label_agreement: float | None = Field(
        description="Share of rows whose predicted label agrees (classification)"
    )
    max_abs_diff: float = Field(
        description="Largest |difference| of probabilities (or predictions, regression)"
    )
    max_rel_diff: float = Field(description="Largest difference relative to max(1, |prediction|)")
    tolerance: float = Field(description="The tolerance the relative difference had to stay within")
    passed: bool = Field(description="True: the exported file predicts what the model predicts")


class ExportResult(BaseModel):
    source: str = Field(description="The run id (or model file) exported")
    format: Literal["joblib", "pickle", "skops", "onnx"] = Field(
        description="Format of the file written"
    )
    path: str = Field(description="The exported file, relative to the workspace")
    schema_path: str = Field(description="schema.json written beside it (features, kinds, classes)")
    size_bytes: int = Field(description="Size of the exported file in bytes")
    sha256: str = Field(description="SHA-256 of the exported file")
    parity: ParityFigures | None = Field(
        description="Agreement with the model (onnx, skops); null for joblib/pickle"
    )
    load_hint: str = Field(description="How to load the file")
    verdict: dict[str, Any] | None = Field(
        description="The run's verdict: gates_passed, kept, rejected_reason, allow_failed_gates "
        "(an "
        "override)"
    )
    next_step: str = Field(description="The call to make next")


def figures(parity: Parity | None) -> ParityFigures | None:
    if parity is None:
        return None
    return ParityFigures(
        rows=parity.rows,
        label_agreement=parity.label_agreement,
        max_abs_diff=float(f"{parity.max_abs_diff:.3g}"),
        max_rel_diff=float(f"{parity.max_rel_diff:.3g}"),
        tolerance=parity.tolerance,
        passed=parity.passed,
    )


def _answer(call: Call[ExportArgs], outcome: Converted, recorded: Recorded) -> ExportResult:
    args, workspace = call.request, call.workspace
    done = exported(call, outcome)
    return ExportResult(
        source=args.run_id or str(args.model_path),
        format=args.format,  # type: ignore[arg-type]
        path=workspace.relative(done.path),
        schema_path=workspace.relative(done.schema_path),
        size_bytes=done.size_bytes,
        sha256=done.sha256,
        parity=figures(done.parity),
        load_hint=LOAD_HINTS[args.format],
        verdict=call.facts.answered(),
        next_step=after_export(args.run_id),
    )


EXPORT = Capability(
    name="export",
    prepare=prepare_export,
    execute=export_job,
    record=record_export,
    answer=_answer,
    creates_runs=False,  # the file is written beside the run; an override is a tag on it
    recording="writing the file",
)


OptionalRunRef = Annotated[
    str | None,
    Field(
        pattern=RUN_REF, description="Run id from ml_train / ml_list_runs, or models:/name@alias"
    ),
]
Format = Annotated[
    Literal["joblib", "pickle", "skops", "onnx"],
    Field(
        description="onnx (portable, checked for parity), skops (safe to load), joblib or pickle"
    ),
]
ModelPath = Annotated[
    str | None,
    Field(
        min_length=1,
        max_length=4096,
        description="Instead of run_id: a model file with schema.json beside it",
    ),
]
TrustedFile = Annotated[
    bool,
    Field(description="Load a pickle or joblib file this machine did not sign (it runs code)"),
]
ParityTable = Annotated[
    str | None,
    Field(
        min_length=1,
        max_length=4096,
        description="Table for the parity sample (default: the run's data)",
    ),
]


def register(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=WRITES_FILES, title="Export a model (joblib, pickle, skops, ONNX)")
    async def ml_export(
        run_id: OptionalRunRef = None,
        format: Format = "onnx",
        model_path: ModelPath = None,
        trusted: TrustedFile = False,
        data_path: ParityTable = None,
        allow_failed_gates: AllowFailedGates = False,
        ctx: Context | None = None,
    ) -> ExportResult:
        """Export a trained model to a file under .moai/ml/exports/<run_id>/ (with schema.json).
        format='onnx' converts the WHOLE pipeline (preprocessing + model; XGBoost/LightGBM too) and
        keeps the file only if it predicts like the model on a held-out sample (labels agree 100 %,
        probabilities/predictions within 1e-4): the result gives the agreement and max difference;
        models ONNX cannot express (datetime/text features) are refused with the formats that work.
        'skops' is the safe-to-load format; joblib/pickle run code when loaded. Give run_id, or
        model_path for a file (pickles this product did not sign need trusted=true). A run that
        failed its SPEC's gates or was rejected is refused (naming the best passing run) unless
        allow_failed_gates=true, which is recorded on the run and reported in `verdict`."""
        args = ExportArgs(run_id, model_path, format, trusted, data_path, allow_failed_gates)
        return await drive(EXPORT, workspace, args, ctx)
