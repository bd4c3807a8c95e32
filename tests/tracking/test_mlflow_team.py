"""MLflow as teams run it: a tracking server with a database backend and an artifact root
(`mlflow server --backend-store-uri ... --artifacts-destination ...`). The tools log through it,
the artifacts land in that root (not in the workspace), and ml_export reads the model back."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

from tests.support import copy_examples, free_port, running
from tests.train_support import call, client_with_env

pytestmark = pytest.mark.anyio


@pytest.mark.slow
@pytest.mark.external  # `mlflow server` processes
async def test_runs_and_models_land_in_the_servers_artifact_root_and_export_reads_them_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(
        "DO_NOT_TRACK", "true"
    )  # no MLflow telemetry from the server (loopback only)
    server_home, root = tmp_path / "server", tmp_path / "server" / "artifact-root"
    server_home.mkdir()
    port = free_port()
    cmd = [
        str(Path(sys.executable).parent / "mlflow"),
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--backend-store-uri",
        f"sqlite:///{server_home}/mlflow.db",
        "--artifacts-destination",
        str(root),
    ]
    project = copy_examples(tmp_path / "project")
    url = f"http://127.0.0.1:{port}"
    with running(cmd, server_home, f"{url}/health", timeout=300):  # a fresh database migrates first
        async with client_with_env(project, MLFLOW_TRACKING_URI=url, DO_NOT_TRACK="true") as client:
            trained = await call(
                client,
                "ml_train",
                data_path="data/breast_cancer.csv",
                target="target",
                model="logistic_regression",
                spec_id="ML-001",
            )
            exported = await call(client, "ml_export", run_id=trained["run_id"], format="onnx")
        run = httpx.get(
            f"{url}/api/2.0/mlflow/runs/get", params={"run_id": trained["run_id"]}, timeout=30
        ).json()
    assert run["run"]["info"]["artifact_uri"].startswith("mlflow-artifacts:/"), (
        "artifacts are proxied by the server"
    )
    run_dirs = [p for p in root.rglob(trained["run_id"]) if p.is_dir()]
    assert len(run_dirs) == 1, (
        f"the run's folder is in the artifact root: {sorted(root.rglob('*'))[:20]}"
    )
    logged = {
        p.relative_to(run_dirs[0] / "artifacts").as_posix()
        for p in run_dirs[0].rglob("*")
        if p.is_file()
    }
    assert {"plots/confusion_matrix.png", "plots/roc_curve.png"} <= logged, logged
    model_id = trained["model_uri"].removeprefix("models:/")
    mlmodels = [p for p in root.rglob("MLmodel") if model_id in p.parts]
    assert len(mlmodels) == 1, "the logged model is stored under the artifact root"
    assert (
        not (project / ".moai/ml/mlflow.db").exists()
        and not (project / ".moai/ml/artifacts").exists()
    )
    assert not (project / ".moai/ml/wandb").exists(), "W&B only when MOAI_ML_TRACKERS asks for it"
    assert (
        exported["parity"]["passed"]
        and (project / exported["path"]).stat().st_size == exported["size_bytes"]
    )
