"""A run in the store is loaded only if this product signed its model (issue 15, high finding 2).

The attack: anyone who can log a run (the plain MLflow client on the workspace store, a teammate on
a shared tracking server) logs `moai/model.joblib` holding a pickle that runs code when loaded.
`ml_export`, `ml_generate_serving` and `ml_evaluate` must refuse it without unpickling it.
"""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.export.safe_load import load_model
from mcp_server.ml.tracking.runs import get_store
from mcp_server.safety.signing import SIGNATURE_FILE, verified_bytes
from tests.support import copy_examples, error_text, inprocess_client
from tests.train_support import call

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("store_trust")]


class _Touch:
    """Unpickling this calls Path.touch(marker): the marker file proves the pickle was executed."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[Path]]:
        return (Path.touch, (self.marker,))


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_examples(tmp_path_factory.mktemp("trust") / "project")


def log_hostile_run(project: Path, legit_moai: Path, marker: Path, copy_signature: bool) -> str:
    """What an attacker does with the plain MLflow client: no moai-ml involved."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{project / '.moai/ml/mlflow.db'}")
    experiment = client.get_experiment_by_name("moai-ml") or client.get_experiment(
        client.create_experiment(
            "moai-ml", artifact_location=(project / ".moai/ml/artifacts/moai-ml").as_uri()
        )
    )
    run = client.create_run(experiment.experiment_id, tags={"moai.model": "logistic_regression"})
    folder = project / f"evil-{run.info.run_id}" / "moai"
    folder.mkdir(parents=True)
    (folder / "model.joblib").write_bytes(pickle.dumps(_Touch(marker)))
    shutil.copy(legit_moai / "schema.json", folder / "schema.json")
    if copy_signature:  # a real signature, but over other bytes: it must not vouch for these
        shutil.copy(legit_moai / SIGNATURE_FILE, folder / SIGNATURE_FILE)
    client.log_artifacts(run.info.run_id, str(folder), "moai")
    client.set_terminated(run.info.run_id, "FINISHED")
    shutil.rmtree(folder.parent)
    return str(run.info.run_id)


@pytest.mark.parametrize("copy_signature", [False, True], ids=["unsigned", "borrowed-signature"])
async def test_a_run_logged_by_someone_else_is_never_unpickled_by_export_serving_or_evaluate(
    trained: tuple[Path, dict[str, Any]], copy_signature: bool
) -> None:
    project, legit = trained[0], trained[1]["logistic"]  # an ml_train run on breast_cancer.csv
    marker = project / f"pwned-{copy_signature}"
    async with inprocess_client(project) as client:
        legit_moai = get_store(Workspace(project)).moai_dir(legit["run_id"])
        assert verified_bytes(legit_moai / "model.joblib", folder=legit_moai) is not None
        evil = log_hostile_run(project, legit_moai, marker, copy_signature)
        calls = [
            ("ml_export", {"run_id": evil, "format": "onnx"}),
            ("ml_generate_serving", {"run_id": evil, "output_dir": "serving/evil"}),
            ("ml_evaluate", {"run_id": evil, "data_path": "data/breast_cancer.csv"}),
        ]
        for tool, args in calls:
            result = await client.call_tool(tool, args)
            assert result.is_error, tool
            assert "refusing to load" in error_text(result) and "trusted=true" in error_text(
                result
            ), tool
            assert not marker.exists(), f"{tool} ran the pickle"
        assert not (project / "serving/evil").exists()
        # The same run with trusted=true is unpickled: proof that the refusals above could have
        # failed.
        await client.call_tool("ml_export", {"run_id": evil, "format": "joblib", "trusted": True})
        assert marker.exists()
        # The legit run is still exported without any flag.
        exported = await call(client, "ml_export", run_id=legit["run_id"], format="joblib")
        assert exported["format"] == "joblib" and exported["size_bytes"] > 0


def test_a_pickle_planted_inside_the_run_store_is_refused_without_being_executed(
    workspace: Workspace,
) -> None:
    marker = workspace.root / "pwned"
    planted = workspace.root / ".moai/ml/exports/run-x/model.joblib"
    planted.parent.mkdir(parents=True)
    planted.write_bytes(pickle.dumps(_Touch(marker)))
    with pytest.raises(MoaiMlError, match="did not sign"):
        load_model(workspace, ".moai/ml/exports/run-x/model.joblib")
    assert not marker.exists()


def test_a_signed_export_stops_verifying_once_a_byte_changes(workspace: Workspace) -> None:
    from mcp_server.ml.export.formats import export_pipeline
    from tests.export_support import fit

    fitted = fit("binary", "logistic_regression")
    done = export_pipeline(
        workspace, "run-s", fitted.pipeline, fitted.schema, "logistic_regression", "joblib"
    )
    rel = workspace.relative(done.path)
    assert load_model(workspace, rel).predict(fitted.test).shape == (len(fitted.test),)
    data = bytearray(done.path.read_bytes())
    data[-1] ^= 1
    done.path.write_bytes(bytes(data))
    with pytest.raises(MoaiMlError, match="did not sign"):
        load_model(workspace, rel)
