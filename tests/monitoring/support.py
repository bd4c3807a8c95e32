"""Runs for the monitoring tests, logged in-process (no job process per fit) the way the TDD tools
log theirs: the SPEC's seeded split, the model fitted on its training part, `moai.holdout` set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlflow import MlflowClient

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tracking.locations import tracking_uri


def log_model(
    project: Path,
    model: str,
    params: dict[str, Any] | None = None,
    *,
    data: str = "data/breast_cancer.csv",
    target: str = "target",
    drop: tuple[str, ...] = ("patient_id",),
    spec_id: str = "ML-001",
    gates: bool | None = None,
    seed: int = 42,
    test_size: float = 0.2,
) -> str:
    """Fit `model` on the seeded training split of `data` and log it; returns the run id."""
    from sklearn.model_selection import train_test_split

    from mcp_server.ml.modeling.dataset import prepare
    from mcp_server.ml.modeling.preprocess import build_pipeline
    from mcp_server.ml.tracking.runs import get_store

    workspace = Workspace(project)
    prepared = prepare(project / data, target, "auto", list(drop))
    stratify = None if prepared.schema.task == "regression" else prepared.y
    x_train, _, y_train, _ = train_test_split(
        prepared.X, prepared.y, test_size=test_size, random_state=seed, stratify=stratify
    )
    pipeline = build_pipeline(prepared.schema, model, params or {}, seed).fit(x_train, y_train)
    holdout = {
        "kind": "seeded",
        "test_size": test_size,
        "seed": seed,
        "stratify": stratify is not None,
    }
    tags = {"moai.spec_id": spec_id, "moai.holdout": json.dumps(holdout), "moai.phase": "tdd-green"}
    if gates is not None:
        tags["moai.gates_passed"] = "true" if gates else "false"
    from mcp_server.ml.tracking.records import data_tags, fitted_record

    store = get_store(workspace)
    with store.scratch() as folder:
        record = fitted_record(
            Path(folder),
            experiment="moai-ml",
            run_name=f"{spec_id} {model}",
            kind="tdd_green",
            model=pipeline,
            schema=prepared.schema,
            model_name=model,
            params={**(params or {}), "seed": seed, "test_size": test_size},
            metrics={},
            extra_tags=tags,
            data=data_tags(project / data, data),
            input_example=x_train.head(3),
        )
        return store.record(record)


def set_verdict(project_or_uri: Path | str, run_id: str, passed: bool) -> None:
    """What the TDD cycle's gate check writes on a run: the gate verdict, and kept (with the
    reason cleared) when it passed, as a run that met its gates is recorded."""
    uri = tracking_uri(project_or_uri) if isinstance(project_or_uri, Path) else project_or_uri
    client = MlflowClient(tracking_uri=uri)
    client.set_tag(run_id, "moai.gates_passed", "true" if passed else "false")
    client.set_tag(run_id, "moai.kept", "true" if passed else "false")
    if passed and "moai.rejected_reason" in client.get_run(run_id).data.tags:
        client.delete_tag(run_id, "moai.rejected_reason")
