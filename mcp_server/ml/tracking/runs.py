"""The run store interface the other capabilities build on: `get_store(workspace) -> RunStore`.

`RunStore.log_run` records a fitted model (an in-memory Pipeline) as an MLflow run: params,
metrics, tags (SPEC id, data file sha256, rows/columns), the model with signature and input
example, and under `moai/` the files the export and serving tools read (`model.joblib`,
`schema.json`, extra artifacts). `RunStore.load_run` gives them back. Tools that fit in a job
process (`ml_train`) stage the same files themselves and call `Tracker.record`.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server import layout
from mcp_server.errors import MoaiMlError
from mcp_server.ml.tracking.store import TAG, RunRecord, Tracker, local_path, tracking_uri
from mcp_server.signing import load_pickle, sign_folder

if TYPE_CHECKING:
    import pandas as pd

    from mcp_server.ml.data.schema import Schema
    from mcp_server.workspace import Workspace

MOAI_DIR = "moai"
_stores: dict[tuple[Path, str], RunStore] = {}
_lock = threading.Lock()


@dataclass
class LoadedRun:
    run_id: str
    model: Any  # the fitted sklearn Pipeline; classifiers predict codes 0..k-1 (schema.classes order)
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


def write_moai_dir(folder: Path, model: Any, schema: Schema, artifacts: dict[str, Path] | None = None) -> None:
    """`model.joblib`, `schema.json` and extra artifacts: the files `load_run` returns."""
    import joblib

    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, folder / "model.joblib")
    (folder / "schema.json").write_text(json.dumps(schema.to_dict(), indent=1, default=str), encoding="utf-8")
    for name, source in (artifacts or {}).items():
        target = folder / name
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)
    sign_folder(folder)  # what lets `load_run` unpickle it later (mcp_server/signing.py)


class RunStore(Tracker):
    """`Tracker` plus the keyword API for in-memory models and `load_run`."""

    def __init__(self, workspace: Workspace, uri: str) -> None:
        super().__init__(workspace.root, uri)
        self.workspace = workspace

    def scratch(self) -> tempfile.TemporaryDirectory[str]:
        base = self.workspace.ensure_dir(layout.SCRATCH)
        return tempfile.TemporaryDirectory(prefix="store-", dir=base)

    def log_run(
        self, *, experiment: str, run_name: str, model: Any, schema: Schema, model_name: str,
        params: dict[str, Any], metrics: dict[str, float], tags: dict[str, str] | None = None,
        data_path: Path | None = None, input_example: pd.DataFrame | None = None,
        artifacts: dict[str, Path] | None = None, parent_run_id: str | None = None,
    ) -> str:  # fmt: skip
        """Record a fitted model as an MLflow run; returns the run id."""
        from mcp_server.ml.fitting.training import simple_params, stage_model

        all_tags: dict[str, Any] = {
            f"{TAG}model": model_name,
            f"{TAG}task": schema.task,
            f"{TAG}target": schema.target,
            f"{TAG}n_features": len(schema.features),
        }
        if data_path is not None:
            all_tags.update(self._data_tags(Path(data_path)))
        all_tags.update(tags or {})
        kind = str(all_tags.pop(f"{TAG}kind", "") or ("tdd" if "tdd" in str(all_tags.get(f"{TAG}phase")) else "train"))
        with self.scratch() as tmp:
            folder = Path(tmp)
            write_moai_dir(folder / MOAI_DIR, model, schema, artifacts)
            example = input_example.head(5) if input_example is not None else None
            stage_model(model, example, folder / "model", schema)
            estimator = model.named_steps["model"] if hasattr(model, "named_steps") else model
            record = RunRecord(
                experiment=experiment, run_name=run_name, kind=kind, params=params, metrics=dict(metrics),
                tags=all_tags, artifacts={MOAI_DIR: folder / MOAI_DIR}, model_dir=folder / "model",
                model_params=simple_params(estimator), parent_run_id=parent_run_id,
            )  # fmt: skip
            run_id, _ = self.record(record)
        return run_id

    def _data_tags(self, path: Path) -> dict[str, Any]:
        from mcp_server.ml.data.tables import file_sha256, load_table

        frame = load_table(path)
        try:
            shown = self.workspace.relative(path)
        except ValueError:
            shown = path.name
        return {f"{TAG}data_path": shown, f"{TAG}data_sha256": file_sha256(path), f"{TAG}rows": len(frame),
                f"{TAG}columns": frame.shape[1]}  # fmt: skip

    def moai_dir(self, run_id: str) -> Path:
        """The run's `moai/` folder as a local path (downloaded once into the cache if remote)."""
        run = self.get_run(run_id)
        folder = local_path(run.info.artifact_uri or "")
        if folder is not None and (folder / MOAI_DIR / "model.joblib").is_file():
            return folder / MOAI_DIR
        cache = self.workspace.ensure_dir(layout.CACHE / run_id)
        if (cache / MOAI_DIR / "model.joblib").is_file():
            return cache / MOAI_DIR
        try:
            return Path(self.client.download_artifacts(run_id, MOAI_DIR, str(cache)))
        except Exception as exc:
            raise MoaiMlError(f"run {run_id!r} has no moai/ model files; it is not a training run") from exc

    def load_run(self, run_id: str, *, trusted: bool = False) -> LoadedRun:
        """The run's fitted model and schema; the pickle is loaded only if this product signed it
        (`mcp_server/signing.py`) or the caller says `trusted`."""
        from mcp_server.ml.data.schema import Schema

        run = self.get_run(run_id)
        folder = self.moai_dir(run_id)
        if not (folder / "model.joblib").is_file():
            raise MoaiMlError(f"run {run_id!r} has no model.joblib; it is not a training run")
        schema = Schema.from_dict(json.loads((folder / "schema.json").read_text(encoding="utf-8")))
        return LoadedRun(
            run_id=run_id, schema=schema,
            model=load_pickle(folder / "model.joblib", what=f"run {run_id}'s model", trusted=trusted, folder=folder),
            model_name=run.data.tags.get(f"{TAG}model", ""), metrics=dict(run.data.metrics),
            params=dict(run.data.params), tags=dict(run.data.tags), moai_dir=folder,
        )  # fmt: skip


__all__ = ["LoadedRun", "RunRecord", "RunStore", "Tracker", "get_store", "tracking_uri", "write_moai_dir"]
