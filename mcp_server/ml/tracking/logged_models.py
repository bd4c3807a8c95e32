"""A run's model: its MLflow model directory logged as the run's LoggedModel (MLflow 3's model
entity), which `models:/<model_id>` names."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mcp_server.ml.tracking import tags as t

if TYPE_CHECKING:
    from mlflow import MlflowClient


def log_model(
    client: MlflowClient,
    run_id: str,
    experiment_id: str,
    model_dir: Path,
    params: dict[str, str],
    model_type: str | None,
) -> str:
    """Log `model_dir` (MLmodel and files) as the run's LoggedModel, tagged on the run; its id."""
    from mlflow.entities import LoggedModelOutput
    from mlflow.models import Model

    logged = client.create_logged_model(
        experiment_id,
        name="model",
        source_run_id=run_id,
        params=params,
        model_type=model_type,
    )
    mlmodel = model_dir / "MLmodel"
    meta = Model.load(str(mlmodel))
    meta.model_id, meta.run_id, meta.artifact_path = (
        logged.model_id,
        run_id,
        logged.artifact_location,
    )
    meta.save(str(mlmodel))
    client.log_model_artifacts(logged.model_id, str(model_dir))
    client.log_outputs(run_id, [LoggedModelOutput(logged.model_id, step=0)])
    client.finalize_logged_model(logged.model_id, "READY")
    client.set_tag(run_id, t.MODEL_ID, logged.model_id)
    return str(logged.model_id)
