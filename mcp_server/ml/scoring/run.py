"""`ml_batch_score` in the domain: the capability's prepare step (in the server: the model
admitted and its signature checked, the dataset's partitions listed, the output folder checked
against its manifest), its record step (nothing to record: the scores are files) and its
leftovers step (a stopped job's hidden temporary file; finished partitions and the manifest
stay, so the next call resumes after them)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.capability import Call, Plan, Recorded
from mcp_server.ml.scoring.request import (
    OUTPUT_ROOT,
    PREDICTION,
    RUN_ID,
    VERSION,
    BatchScoreArgs,
    ScoreJob,
)
from mcp_server.ml.tracking import tags

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.data.partitioned import Partitioned
    from mcp_server.ml.tracking.verdict import Verdict


@dataclass(frozen=True)
class Scoring:
    """What prepare learned, for the answer."""

    output: str  # relative to the workspace
    run_id: str
    version: str
    data: str


def prepare_scoring(call: Call[BatchScoreArgs]) -> Plan:
    from mcp_server.ml.cluster.engine import LOCAL, choose, require_dask
    from mcp_server.ml.data.partitioned import partitions
    from mcp_server.ml.scoring import manifest

    args, workspace = call.request, call.workspace
    engine = choose(args.cluster)
    if engine != LOCAL:
        require_dask()
    run_id, version, model_path, schema = _model(workspace, args)
    dataset = partitions(workspace, args.data_path)
    _check_keep(args.keep, dataset)
    output = args.output or f"{OUTPUT_ROOT}/{_slug(args.data_path)}-{run_id[:8]}"
    folder = _output_folder(workspace, output, dataset)
    identity = {
        "model": version or f"run {run_id}",
        "run_id": run_id,
        "data": args.data_path.rstrip("/"),
        "keep": list(args.keep),
    }
    todo, kept = manifest.plan(
        folder, dataset.names, dataset.files, manifest.finished(folder, identity, output)
    )
    workspace.ensure_dir(folder)
    job = ScoreJob(
        model_path=str(model_path),
        trusted=args.trusted,
        schema=schema,
        run_id=run_id,
        version=version,
        engine=engine,
        output=str(folder),
        identity=identity,
        parts=todo,
        done=kept,
        keep=args.keep,
        total=len(dataset),
    )
    facts = Scoring(workspace.relative(folder), run_id, version, args.data_path)
    return Plan(job, args.time_budget_s, len(todo) + 1, "batch scoring", facts)


def clear_scoring_leftovers(call: Call[BatchScoreArgs]) -> None:
    """What a cancelled or killed scoring job left half-written: its partition's hidden temporary
    file in the output folder."""
    from mcp_server.ml.scoring import manifest

    if call.plan is not None:
        manifest.clear_temporaries(Path(call.plan.payload.output))


def _model(workspace: Workspace, args: BatchScoreArgs) -> tuple[str, str, Path, dict[str, object]]:
    """(run id, registered version or "", model file, schema): the run admitted as serving
    admits it, its model file signed by this product (or trusted)."""
    from mcp_server.ml.tracking.doors import open_run
    from mcp_server.ml.tracking.model_registry import resolve_version
    from mcp_server.ml.tracking.runs import get_store
    from mcp_server.safety.signing import require_signed

    store = get_store(workspace)
    run, _ = open_run(store, args.model, "score", args.allow_failed_gates)
    version = ""
    if args.model.startswith("models:/"):
        found = resolve_version(store, args.model)
        version = f"{found.name}/{found.version}" if found.version else found.name
    moai = store.moai_dir(run.run_id)
    what = f"run {run.run_id}'s model"
    require_signed(
        moai / tags.MODEL_FILE, folder=moai, what=what, trusted=args.trusted, run_id=run.run_id
    )
    schema = json.loads((moai / tags.SCHEMA_FILE).read_text(encoding="utf-8"))
    return run.run_id, version, moai / tags.MODEL_FILE, schema


def _check_keep(keep: tuple[str, ...], dataset: Partitioned) -> None:
    """Kept columns are input columns (of the first partition) that no output column shadows."""
    from mcp_server.ml.data.partitioned import empty_like

    taken = {PREDICTION, RUN_ID, VERSION}
    clash = [c for c in keep if c in taken or c.startswith("proba_")]
    if clash:
        raise MoaiMlError(
            f"keep names output columns ({', '.join(clash)}); pass keep= input columns only"
        )
    if keep:
        columns = [str(c) for c in empty_like(str(dataset.files[0])).columns]
        missing = [c for c in keep if c not in columns]
        if missing:
            raise MoaiMlError(
                f"keep names columns the data lacks ({', '.join(missing[:5])}); pass keep= some of "
                f"its columns: {', '.join(columns[:20])}"
            )


def _output_folder(workspace: Workspace, output: str, dataset: Partitioned) -> Path:
    folder = workspace.resolve(output)
    if folder.exists() and not folder.is_dir():
        raise MoaiMlError(f"output {output!r} is a file; give output= a folder for the scores")
    inside = [n for n, f in zip(dataset.names, dataset.files, strict=True) if folder in f.parents]
    if inside or folder in (f for f in dataset.files):
        raise MoaiMlError(
            f"output {output!r} holds the dataset's own files ({inside[0] if inside else output}); "
            "give output= a folder outside the dataset"
        )
    return folder


def _slug(data_path: str) -> str:
    """A name for the default output folder: the dataset's file or folder name."""
    base = Path(re.split(r"[*?\[]", data_path)[0].rstrip("/_-")).name
    return re.sub(r"[^A-Za-z0-9_-]+", "_", Path(base).stem or base).strip("_")[:40] or "data"


def record_scoring(
    call: Call[BatchScoreArgs], outcome: object, verdict: Verdict | None
) -> Recorded:
    """Nothing to record: the scores are files, the manifest says what is done."""
    facts: Scoring = call.facts
    return Recorded([facts.run_id])


__all__ = ["Scoring", "prepare_scoring", "record_scoring"]
