"""`ml_export` as a capability: prepare in the server (exactly one source, the run admitted by
its verdict through `tracking.doors`, the format among the routes of its kind of data, a pickle's
signature checked: refused before any job starts), the conversion and its parity proof in a job
process (`export_job`: the file's bytes staged in the call's folder), and the record step (the
file and `schema.json` under `.moai/ml/exports/<run>/`, an override written on the run; no new
run)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.capability import Call, Plan, Recorded
from mcp_server.ml.export.requests import ExportArgs
from mcp_server.ml.export.safe_load import check_model_file
from mcp_server.ml.tracking import tags

if TYPE_CHECKING:
    from collections.abc import Callable

    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.data.schema import Schema
    from mcp_server.ml.export.formats import Exported
    from mcp_server.ml.export.onnx_parity import Parity
    from mcp_server.ml.tracking.verdict import Verdict
    from mcp_server.ml.tracking.view import RunView

BUDGET_S = 3600.0
STEPS = 2  # loading the model, converting (and proving) it
USE = "export"


@dataclass(frozen=True)
class ExportJob:
    """What the job process receives: the model to load, by run or by file, and the format."""

    root: str
    run_id: str | None  # resolved from a `models:/` URI
    model_path: str | None
    fmt: str
    trusted: bool
    data_path: str | None
    data_kind: str | None  # None for a model file: its schema tells (an image column: images)
    scratch: str


@dataclass(frozen=True)
class Converted:
    """What the job made: the file's bytes staged in the call's folder, with its proof."""

    staged: str
    schema: dict[str, Any]
    parity: Parity | None
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class Exporting:
    """What prepare learned: the export's folder name, and the run with its verdict."""

    key: str
    run: RunView | None = None
    verdict: Verdict | None = None

    def answered(self) -> dict[str, Any] | None:
        """The verdict the answer reports: the run's, marked when the override let it through."""
        from mcp_server.ml.tracking.doors import passed

        return None if self.verdict is None else passed(self.verdict, USE).as_dict()


def prepare_export(call: Call[ExportArgs]) -> Plan:
    args = call.request
    if (args.run_id is None) == (args.model_path is None):
        raise MoaiMlError(
            "give exactly one of run_id (a run of this workspace) or model_path (a model file)"
        )
    if args.run_id is not None:
        job, facts = _prepare_run(call.workspace, args, str(call.folder))
    else:
        job, facts = _prepare_file(call.workspace, args, str(call.folder))
    if args.data_path:
        call.workspace.resolve(args.data_path, must_exist=True)
    return Plan(job, BUDGET_S, STEPS + 1, f"the {args.format} export", facts)


def _prepare_run(workspace: Workspace, args: ExportArgs, scratch: str) -> tuple[ExportJob, Any]:
    from mcp_server.ml.export.formats import check_format
    from mcp_server.ml.tracking.doors import check
    from mcp_server.ml.tracking.model_registry import resolve_run_id
    from mcp_server.ml.tracking.runs import get_store

    store = get_store(workspace)
    run = store.get_run(resolve_run_id(store, str(args.run_id)))
    verdict = check(store, run, USE, args.allow_failed_gates)
    check_format(args.format, run.data_kind)
    signed_model(store.moai_dir(run.run_id), run.run_id, args.trusted)
    job = ExportJob(
        root=str(workspace.root),
        run_id=run.run_id,
        model_path=None,
        fmt=args.format,
        trusted=args.trusted,
        data_path=args.data_path,
        data_kind=run.data_kind,
        scratch=scratch,
    )
    return job, Exporting(run.run_id, run, verdict)


def signed_model(folder: Path, run_id: str, trusted: bool) -> None:
    """Refuse a run without a model, or whose pickle this product did not sign (unless trusted),
    in the words loading it would use, before any job starts."""
    from mcp_server.safety.signing import require_signed

    model = folder / tags.MODEL_FILE
    if not model.is_file():
        raise MoaiMlError(
            f"run {run_id!r} has no model.joblib; it is not a training run: pass the run_id of "
            "one (ml_list_runs(kind='train'))"
        )
    require_signed(model, what=f"run {run_id}'s model", trusted=trusted, folder=folder)


def _prepare_file(workspace: Workspace, args: ExportArgs, scratch: str) -> tuple[ExportJob, Any]:
    """A model file: where it is, its format by its extension, a pickle's signature (its
    `schema.json` is read in the job, once the model loaded, as loading it always did)."""
    user_path = str(args.model_path)
    path = workspace.resolve(user_path, must_exist=True)
    check_model_file(path, user_path, args.trusted)
    job = ExportJob(
        root=str(workspace.root),
        run_id=None,
        model_path=user_path,
        fmt=args.format,
        trusted=args.trusted,
        data_path=args.data_path,
        data_kind=None,
        scratch=scratch,
    )
    return job, Exporting(f"file-{path.stem}")


def file_schema(path: Path, user_path: str) -> Schema:
    """The moai schema saved beside a model file."""
    from mcp_server.ml.data.schema import Schema

    schema_file = path.parent / "schema.json"
    if not schema_file.is_file():
        raise MoaiMlError(
            f"no schema.json beside {user_path!r}; export a run by its run_id instead"
        )
    try:
        return Schema.from_dict(json.loads(schema_file.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        raise MoaiMlError(
            f"schema.json beside {user_path!r} is not a moai schema ({exc}); export a run by its "
            "run_id instead"
        ) from exc


def export_job(job: ExportJob, progress: Callable[..., None]) -> Converted:
    """In the job process: the model loaded, converted and proven; its bytes staged."""
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.data.kinds.images import IMAGES
    from mcp_server.ml.export.formats import EXTENSIONS, PROVEN, encode, run_table

    workspace = Workspace(job.root)
    progress(0, "loading the model")
    pipeline, schema, name, run_tags = _load(workspace, job)
    kind = job.data_kind or (IMAGES if schema.of_kind("image") else tags.DEFAULT_DATA_KIND)
    progress(1, "converting to ONNX and checking parity" if job.fmt == "onnx" else "serializing")
    # the rows of a parity sample, read only for a format proven against the model
    frame = run_table(workspace, run_tags, job.data_path) if job.fmt in PROVEN else None
    data, parity = encode(pipeline, schema, name, job.fmt, frame, kind)
    staged = Path(job.scratch) / f"model.{EXTENSIONS[job.fmt]}"
    staged.write_bytes(data)
    progress(2, "written")
    digest = hashlib.sha256(data).hexdigest()
    return Converted(str(staged), schema.to_dict(), parity, len(data), digest)


def _load(workspace: Workspace, job: ExportJob) -> tuple[Any, Schema, str, dict[str, str]]:
    """The model, its schema, its name and the run's tags (none for a file)."""
    if job.run_id is not None:
        from mcp_server.ml.tracking.runs import get_store

        loaded = get_store(workspace).load_run(job.run_id, trusted=job.trusted)
        return loaded.model, loaded.schema, loaded.model_name or "model", loaded.tags
    from mcp_server.ml.export.safe_load import load_model

    user_path = str(job.model_path)
    pipeline = load_model(workspace, user_path, trusted=job.trusted)
    path = workspace.resolve(user_path, must_exist=True)
    schema = file_schema(path, user_path)
    if not hasattr(pipeline, "predict"):
        raise MoaiMlError(
            f"{user_path!r} does not hold a model (no predict method); give model_path a saved "
            "model, or export a run by its run_id"
        )
    return pipeline, schema, path.stem, {}


def record_export(call: Call[ExportArgs], outcome: Converted, verdict: Verdict | None) -> Recorded:
    """The file and its schema into the export folder; an override written on the run. No run
    is created (`creates_runs=False`)."""
    from mcp_server.ml.data.schema import Schema
    from mcp_server.ml.export.formats import write_export

    facts: Exporting = call.facts
    if facts.run is not None and facts.verdict is not None:
        from mcp_server.ml.tracking.doors import record_override
        from mcp_server.ml.tracking.runs import get_store

        record_override(get_store(call.workspace), facts.run, facts.verdict, USE)
    data = Path(outcome.staged).read_bytes()
    schema = Schema.from_dict(outcome.schema)
    write_export(call.workspace, facts.key, call.request.format, data, schema, outcome.parity)
    return Recorded()


def exported(call: Call[ExportArgs], outcome: Converted) -> Exported:
    """Where the file went, as `formats.write_export` reported it."""
    from mcp_server.ml.export.formats import Exported, export_paths

    fmt = call.request.format
    path, schema_path = export_paths(call.workspace, call.facts.key, fmt)
    return Exported(path, fmt, outcome.size_bytes, outcome.sha256, outcome.parity, schema_path)
