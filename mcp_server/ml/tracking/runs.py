"""The run store interface the other capabilities build on: `get_store(workspace) -> RunStore`.

Every tool records a run the same way: stage the files in a folder (`scratch()`, or a job's
staging folder), describe the run as a `RunRecord` (`records.fitted_record` for an in-memory
model), and `RunStore.record(record)`. `RunStore.load_run` gives back the model and schema
that every later tool (export, serving, evaluation) reads from the run's `moai/` folder.
"""

from __future__ import annotations

import json
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core import layout
from mcp_server.core.errors import MoaiMlError
from mcp_server.core.settings import SIGNING_KEY
from mcp_server.ml.tracking import tags
from mcp_server.ml.tracking.locations import local_path, tracking_uri
from mcp_server.ml.tracking.store import MlflowStore, RunRecord
from mcp_server.ml.tracking.view import RunView
from mcp_server.safety.signing import check_signed, load_pickle

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.data.schema import Schema

_stores: dict[tuple[Path, str], RunStore] = {}
_lock = threading.Lock()


@dataclass
class LoadedRun:
    run_id: str
    model: Any  # the fitted sklearn Pipeline; classifiers predict codes 0..k-1 (schema.classes)
    schema: Schema
    model_name: str
    metrics: dict[str, float]
    params: dict[str, str]
    tags: dict[str, str]
    moai_dir: Path  # local folder holding model.joblib and schema.json


def get_store(workspace: Workspace) -> RunStore:
    """One store per workspace root and tracking URI, per process."""
    key = (workspace.root, tracking_uri(workspace.root))
    with _lock:
        if key not in _stores:
            _stores[key] = RunStore(workspace, key[1])
        return _stores[key]


class RunStore(MlflowStore):
    """The workspace's `MlflowStore`: a scratch folder for staging runs, and runs' model files read
    back."""

    def __init__(self, workspace: Workspace, uri: str) -> None:
        super().__init__(workspace.root, uri)
        self.workspace = workspace

    def scratch(self) -> tempfile.TemporaryDirectory[str]:
        base = self.workspace.ensure_dir(layout.SCRATCH)
        return tempfile.TemporaryDirectory(prefix="store-", dir=base)

    def moai_dir(self, run_id: str) -> Path:
        """The run's `moai/` folder as a local path (downloaded once into the cache if remote)."""
        run = self.get_run(run_id)
        folder = local_path(run.artifact_uri)
        if folder is not None and (folder / tags.MOAI_DIR / tags.MODEL_FILE).is_file():
            return folder / tags.MOAI_DIR
        cache = self.workspace.ensure_dir(layout.CACHE / run_id)
        if (cache / tags.MOAI_DIR / tags.MODEL_FILE).is_file():
            return cache / tags.MOAI_DIR
        try:
            return Path(self.client.download_artifacts(run_id, tags.MOAI_DIR, str(cache)))
        except Exception as exc:
            raise MoaiMlError(
                f"run {run_id!r} has no moai/ model files; it is not a training run: pass the "
                "run_id of one (ml_list_runs(kind='train'))"
            ) from exc

    def require_signed(self, run_id: str, action: str) -> None:
        """Refuse to `action` (register, promote) a run whose model file this product did not
        sign: a registered version is loaded by `models:/` anywhere, with no further check."""
        folder = self.moai_dir(run_id)
        found = check_signed(folder / tags.MODEL_FILE, folder=folder, run_id=run_id)
        if found.data is not None:
            return
        if found.why == "older":
            raise MoaiMlError(
                f"refusing to {action} run {run_id}: train it again with ml_train, which signs it "
                "for its run (its model file's signature predates signatures that name their "
                "run: an older moai-ml)"
            )
        if found.why != "unsigned":
            raise MoaiMlError(
                f"refusing to {action} run {run_id}: train it again with ml_train (its model "
                f"file's signature names {found.why}, not this one: a model file copied between "
                "runs)"
            )
        raise MoaiMlError(
            f"refusing to {action} run {run_id}: its model file was not signed by this "
            "machine's moai-ml (logged by another tool or machine, or changed since); train "
            f"it again with ml_train or the TDD tools, or set {SIGNING_KEY.name} on every "
            "machine of a team that shares one tracking server"
        )

    def load_run(self, run_id: str, *, trusted: bool = False) -> LoadedRun:
        """The run's fitted model and schema; the pickle is loaded only if this product signed it
        (`mcp_server/safety/signing.py`) or the caller says `trusted`."""
        from mcp_server.ml.data.schema import Schema

        run = self.get_run(run_id)
        folder = self.moai_dir(run_id)
        if not (folder / tags.MODEL_FILE).is_file():
            raise MoaiMlError(
                f"run {run_id!r} has no model.joblib; it is not a training run: pass the run_id "
                "of one (ml_list_runs(kind='train'))"
            )
        schema = Schema.from_dict(
            json.loads((folder / tags.SCHEMA_FILE).read_text(encoding="utf-8"))
        )
        return LoadedRun(
            run_id=run_id,
            schema=schema,
            model=load_pickle(
                folder / tags.MODEL_FILE,
                what=f"run {run_id}'s model",
                trusted=trusted,
                folder=folder,
                run_id=run_id,
            ),
            model_name=run.model or "",
            metrics=dict(run.metrics),
            params=dict(run.params),
            tags=dict(run.tags),
            moai_dir=folder,
        )


__all__ = [
    "LoadedRun",
    "MlflowStore",
    "RunRecord",
    "RunStore",
    "RunView",
    "get_store",
    "tracking_uri",
]
