"""`RunView`: one run as moai reads it, what the store hands every caller.

MLflow's `Run` (and its client) stay inside `ml/tracking/`, as a storage backend's rows stay
inside Optuna's `BaseStorage` (callers get a `FrozenTrial`): tools and the rest of the domain
read a run's id, kind, SPEC, params, metrics, verdict and artifact location from here, so the
run store's interface is ours (`tests/test_run_store_seam.py` keeps it that way).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mcp_server.ml.tracking import tags as t
from mcp_server.ml.tracking.verdict import Verdict

if TYPE_CHECKING:
    from mlflow.entities import Run


@dataclass(frozen=True, eq=False)
class RunView:
    run_id: str
    name: str
    experiment_id: str
    status: str  # FINISHED, FAILED, RUNNING, ...
    start_ms: int
    artifact_uri: str  # where the run's artifacts live (file:... for a local store)
    params: Mapping[str, str]
    metrics: Mapping[str, float]  # latest value of each
    tags: Mapping[str, str]
    verdict: Verdict

    def tag(self, key: str) -> str | None:
        return self.tags.get(key)

    @property
    def kind(self) -> str:
        return self.tags.get(t.KIND, "other")

    @property
    def data_kind(self) -> str:
        """The kind of data the run's model was fitted on (`ml/data/kinds`); `kind` is the run's
        own kind (train, compare, ...)."""
        return self.tags.get(t.DATA_KIND) or t.DEFAULT_DATA_KIND

    @property
    def spec_id(self) -> str | None:
        spec = self.tags.get(t.SPEC_ID)
        return spec if spec and spec != "None" else None

    @property
    def model(self) -> str | None:
        """The registry family of the run's model (lightgbm, ...), if it has one."""
        return self.tags.get(t.MODEL) or None

    @property
    def model_id(self) -> str | None:
        """The MLflow LoggedModel of the run (`models:/<id>`), if it logged one."""
        return self.tags.get(t.MODEL_ID) or None

    @property
    def parent_run_id(self) -> str | None:
        return self.tags.get(t.PARENT_RUN)

    def moai_tags(self) -> dict[str, str]:
        """The product's own tags (`moai.*`), sorted by name."""
        return {k: v for k, v in sorted(self.tags.items()) if k.startswith(t.PREFIX)}


@dataclass(frozen=True)
class Written:
    """A new run as `MlflowStore.write` wrote it: what its caller reports without reading the run
    back (tests/tracking/test_runs.py proves it equal to the run read back)."""

    run_id: str
    experiment: str
    artifact_uri: str
    model_id: str | None  # its MLflow LoggedModel, if it logged one
    verdict: Verdict  # as its tags read back (`Verdict.from_tags`)


def view_of(run: Run) -> RunView:
    """The moai view of an MLflow run (the only place that reads MLflow's `Run`)."""
    info, data = run.info, run.data
    run_tags = dict(data.tags)
    return RunView(
        run_id=str(info.run_id),
        name=info.run_name or "",
        experiment_id=str(info.experiment_id),
        status=str(info.status),
        start_ms=int(info.start_time or 0),
        artifact_uri=info.artifact_uri or "",
        params=dict(data.params),
        metrics=dict(data.metrics),
        tags=run_tags,
        verdict=Verdict.from_tags(run_tags),
    )
