"""MLflow is the run store of record: every run the tools make is an MLflow run.

Default store: SQLite at `.moai/ml/mlflow.db` in the workspace with artifacts under
`.moai/ml/artifacts`; `MLFLOW_TRACKING_URI` switches to a tracking server and nothing else
changes. A run is written in one go, after the work that produced it has finished, so a
cancelled or failed job never leaves a half-written run; if writing itself fails, the run is
deleted again.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.tracking import tags as t
from mcp_server.ml.tracking.locations import local_path, sqlite_file, tracking_uri
from mcp_server.ml.tracking.verdict import Verdict
from mcp_server.ml.tracking.view import RunView, Written, view_of
from mcp_server.safety.signing import SIGNATURE_FILE, bind_folder

PARAM_MAX = 6000
_BATCH = 100
SOURCE_TAGS = {"mlflow.source.name": "moai-ml", "mlflow.source.type": "LOCAL"}

if TYPE_CHECKING:
    from mlflow import MlflowClient


@dataclass
class RunRecord:
    """Everything one run holds; `MlflowStore.record` writes it in one go (the one way to record).

    With `run_id`, the record adds metrics, tags and artifacts to that existing run instead (an
    evaluation of a trained run); `experiment`, `run_name`, `params` and the model are then
    unused."""

    experiment: str
    run_name: str
    kind: str  # one of tags.KINDS
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float | None] = field(default_factory=dict)
    tags: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, Path] = field(default_factory=dict)  # artifact folder -> local folder
    model_dir: Path | None = None  # an MLflow model directory (MLmodel + files)
    model_params: dict[str, Any] = field(default_factory=dict)
    parent_run_id: str | None = None
    start_ms: int | None = None
    run_id: str | None = None  # add to this existing run
    # trackers beside MLflow for this run (wandb), besides settings.TRACKERS
    trackers: tuple[str, ...] = ()
    verdict: Verdict | None = None  # judged before recording; written as its tags


class MlflowStore:
    """The workspace's view of the MLflow store."""

    def __init__(self, root: Path, uri: str | None = None) -> None:
        self.root = root
        self.uri = uri or tracking_uri(root)

    @property
    def is_local(self) -> bool:
        return self.uri.startswith("sqlite:") or local_path(self.uri) is not None

    @cached_property
    def client(self) -> MlflowClient:
        from mlflow import MlflowClient

        self.check_local_store()
        db = sqlite_file(self.uri)
        if db is None:
            return MlflowClient(
                tracking_uri=self.uri, registry_uri=self.uri
            )  # the registry lives with the runs
        from mcp_server.ml.tracking.sqlite_init import first_use

        # The client creates the schema when it opens the store: one process at a time.
        return first_use(db, lambda: MlflowClient(tracking_uri=self.uri, registry_uri=self.uri))

    def check_local_store(self) -> None:
        """Refuse a workspace store whose files are symlinks leading out of the workspace."""
        from mcp_server.ml.tracking.experiments import check_local_store

        check_local_store(self.root, self.uri)

    def experiment_id(self, name: str) -> str:
        """The experiment's id, created (artifacts inside the workspace) or restored if needed."""
        from mcp_server.ml.tracking.experiments import experiment_id

        return experiment_id(self.client, self.root, self.uri, name)

    def record(self, record: RunRecord) -> str:
        """Write a whole run (params, metrics, tags, verdict, artifacts, model) and return its id;
        with `record.run_id`, add the record's metrics, tags and artifacts to that run instead."""
        if record.run_id is None:
            return self.write(record).run_id
        from mcp_server.ml.tracking.sqlite_init import retry_when_locked

        return retry_when_locked(lambda: self._add(record, str(record.run_id)))

    def write(self, record: RunRecord) -> Written:
        """Write a new run, as `record` does, and say what was written (no second read)."""
        from mcp_server.ml.tracking.sqlite_init import retry_when_locked

        return retry_when_locked(lambda: self._record(record))

    def _add(self, record: RunRecord, run_id: str) -> str:
        from mlflow.entities import RunTag

        self.get_run(run_id)
        self._write(run_id, record, [RunTag(k, v) for k, v in _record_tags(record).items()])
        return run_id

    def _record(self, record: RunRecord) -> Written:
        """Write a whole new run and say what was written."""
        from mlflow.entities import RunTag

        from mcp_server.ml.tracking.logged_models import log_model

        experiment_id = self.experiment_id(record.experiment)
        # every new run says its kind of data: the tools' records name it, the rest fit tables
        tags = {t.KIND: record.kind, t.DATA_KIND: t.DEFAULT_DATA_KIND, **SOURCE_TAGS}
        if record.parent_run_id:
            tags[t.PARENT_RUN] = record.parent_run_id
        tags.update(_record_tags(record))
        run = self.client.create_run(
            experiment_id, start_time=record.start_ms, run_name=record.run_name
        )
        run_id, model_id = str(run.info.run_id), None
        try:
            self._write(run_id, record, [RunTag(k, v) for k, v in tags.items()])
            if record.model_dir:
                params = {k: text(v)[:PARAM_MAX] for k, v in record.model_params.items()}
                kind = str(record.tags.get(t.MODEL, "")) or None
                model_id = log_model(
                    self.client, run_id, experiment_id, record.model_dir, params, kind
                )
            self.client.set_terminated(run_id, "FINISHED")
        except BaseException:
            with contextlib.suppress(Exception):
                self.delete_run(run_id)
            raise
        from mcp_server.ml.tracking.wandb import mirror_run

        mirror_run(self.root, record, run_id)  # W&B alongside MLflow when MOAI_ML_TRACKERS asks
        uri, verdict = str(run.info.artifact_uri or ""), Verdict.from_tags(tags)
        return Written(run_id, record.experiment, uri, model_id, verdict)

    def _write(self, run_id: str, record: RunRecord, tags: list[Any]) -> None:
        from mlflow.entities import Metric, Param

        now = int(time.time() * 1000)
        params = [Param(k[:250], text(v)[:PARAM_MAX]) for k, v in record.params.items()]
        metrics = [Metric(k, float(v), now, 0) for k, v in record.metrics.items() if v is not None]
        for i in range(0, max(len(params), len(metrics), len(tags)), _BATCH):
            self.client.log_batch(
                run_id,
                metrics=metrics[i : i + _BATCH],
                params=params[i : i + _BATCH],
                tags=tags[i : i + _BATCH],
            )
        for folder, source in record.artifacts.items():
            if folder == t.MOAI_DIR and (source / SIGNATURE_FILE).is_file():
                bind_folder(source, run_id)  # a signature names its run (safety/signing.py)
            if source.is_dir() and any(source.iterdir()):
                self.client.log_artifacts(run_id, str(source), folder or None)
            elif source.is_file():
                self.client.log_artifact(run_id, str(source), folder or None)

    def delete_runs(self, run_ids: list[str]) -> None:
        for run_id in run_ids:
            self.delete_run(run_id)

    def delete_run(self, run_id: str) -> None:
        """Remove a run completely where the store allows it (local SQLite), else mark it
        deleted."""
        run = self.client.get_run(run_id)
        model_id = run.data.tags.get(t.MODEL_ID)
        self.client.delete_run(run_id)
        if model_id:
            with contextlib.suppress(Exception):
                self.client.delete_logged_model(model_id)
        store: Any = getattr(getattr(self.client, "_tracking_client", None), "store", None)
        if not self.uri.startswith("sqlite:") or not hasattr(store, "_hard_delete_run"):
            return
        store._hard_delete_run(run_id)
        folder = local_path(run.info.artifact_uri or "")
        if folder is not None and folder.name == "artifacts":
            shutil.rmtree(folder.parent, ignore_errors=True)
        if model_id and hasattr(store, "_hard_delete_logged_model"):
            with contextlib.suppress(Exception):
                logged_dir = local_path(self.client.get_logged_model(model_id).artifact_location)
                store._hard_delete_logged_model(model_id)
                if logged_dir is not None and logged_dir.name == "artifacts":
                    shutil.rmtree(logged_dir.parent, ignore_errors=True)

    def get_run(self, run_id: str) -> RunView:
        """The run as moai reads it; a missing or deleted run is refused naming where to look."""
        from mlflow.exceptions import MlflowException

        try:
            run = self.client.get_run(run_id)
        except MlflowException as exc:
            raise MoaiMlError(
                f"run {run_id!r} not found in {self.describe()}; ml_list_runs shows the runs"
            ) from exc
        if run.info.lifecycle_stage == "deleted":
            raise MoaiMlError(f"run {run_id!r} was deleted; ml_list_runs shows the runs there are")
        return view_of(run)

    def experiment_name(self, run: RunView) -> str:
        return str(self.client.get_experiment(run.experiment_id).name)

    def artifact_paths(self, run_id: str) -> list[str]:
        """The run's top-level artifact paths."""
        return [str(a.path) for a in self.client.list_artifacts(run_id)]

    def describe(self) -> str:
        return (
            "the workspace's MLflow store"
            if self.uri.startswith("sqlite:")
            else f"the tracking server {self.uri}"
        )

    def experiments(self, name: str | None) -> list[tuple[str, str]]:
        """(id, name) of the named experiment, or of every active one."""
        if name is not None:
            found = self.client.get_experiment_by_name(name)
            if found is None:
                raise MoaiMlError(
                    f"experiment {name!r} not found; leave experiment= out, or name one that "
                    "ml_list_runs shows"
                )
            return [(str(found.experiment_id), found.name)]
        return [(str(e.experiment_id), e.name) for e in self.client.search_experiments()]

    def search(
        self, experiment_ids: list[str], filter_string: str, order_by: list[str], limit: int
    ) -> list[RunView]:
        if not experiment_ids:
            return []
        found = self.client.search_runs(
            experiment_ids, filter_string, max_results=limit, order_by=order_by
        )
        return [view_of(run) for run in found]

    def artifact_file(self, run: RunView, artifact: str, scratch: Path) -> Path:
        """One run artifact as a local file (downloaded when the store is remote)."""
        folder = local_path(run.artifact_uri)
        if folder is not None and (folder / artifact).is_file():
            return folder / artifact
        try:
            return Path(self.client.download_artifacts(run.run_id, artifact, str(scratch)))
        except Exception as exc:
            raise MoaiMlError(
                f"run {run.run_id!r} has no artifact {artifact!r}; train it again with ml_train"
            ) from exc


def _record_tags(record: RunRecord) -> dict[str, str]:
    """Every tag of the record as text: its own, then its verdict's (the verdict has the last
    word)."""
    out = {k: text(v) for k, v in record.tags.items() if v is not None}
    if record.verdict is not None:
        out.update(record.verdict.tags())
    return out


def text(value: Any) -> str:
    """A param or tag value as MLflow stores it: text as is, containers as sorted JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str, sort_keys=True)
    return str(value)
