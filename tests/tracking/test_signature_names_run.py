"""A signature names its run (issue 23, low 8): a genuine signed model folder copied into another
run is refused by every door that checks signatures, and a folder signed before signatures named
their run is refused in one line naming `trusted=true` and training again.

The attack: the plain MLflow client logs a run whose `moai/` folder is a byte-for-byte copy of a
genuine run's (model, schema and signature), with that run's `moai.*` tags and passed gates.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.tracking.runs import get_store
from mcp_server.safety import signing
from tests.support import error_text, inprocess_client
from tests.tracking.test_registry_trust import copy_tags, register_behind_our_back

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("store_trust")]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def plant_copy(project: Path, legit_moai: Path) -> str:
    """A run logged with the plain MLflow client holding a copy of a genuine run's moai/."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{project / '.moai/ml/mlflow.db'}")
    experiment = client.get_experiment_by_name("moai-ml")
    run = client.create_run(experiment.experiment_id)
    folder = project / "planted" / "moai"
    shutil.copytree(legit_moai, folder)
    client.log_artifacts(run.info.run_id, str(folder), "moai")
    client.set_terminated(run.info.run_id, "FINISHED")
    client.create_registered_model("planted")
    shutil.rmtree(folder.parent)
    return str(run.info.run_id)


async def test_a_genuine_model_copied_into_a_planted_run_is_refused_by_every_door(
    trained: tuple[Path, dict[str, Any]],
) -> None:
    project, legit = trained[0], trained[1]["logistic"]["run_id"]
    legit_moai = get_store(Workspace(project)).moai_dir(legit)
    planted = plant_copy(project, legit_moai)
    copy_tags(project, legit, planted)
    version = register_behind_our_back(project, planted, "planted")
    calls = [
        ("ml_export", {"run_id": planted, "format": "joblib"}),
        ("ml_export", {"run_id": f"models:/planted/{version}", "format": "joblib"}),
        ("ml_generate_serving", {"run_id": planted, "output_dir": "serving/planted"}),
        ("ml_evaluate", {"run_id": planted, "data_path": "data/breast_cancer.csv"}),
        ("ml_batch_score", {"model": planted, "data_path": "data/breast_cancer.csv"}),
        ("ml_register_model", {"run_id": planted, "name": "clean"}),
        ("ml_promote", {"name": "planted", "version": version, "alias": "x", "force": True}),
    ]
    async with inprocess_client(project) as client:
        for tool, args in calls:
            result = await client.call_tool(tool, args)
            text = error_text(result)
            assert result.is_error, (tool, args)
            assert f"names run {legit}, not this one" in text, (tool, text)
            assert len(text.splitlines()) == 1, text
        assert not (project / "serving/planted").exists()
        # the genuine run still passes the same doors: the refusals above could have failed
        result = await client.call_tool("ml_export", {"run_id": legit, "format": "joblib"})
        assert not result.is_error, error_text(result)


def sign_as_version_1(folder: Path) -> None:
    """What a moai-ml before run-bound signatures wrote: a MAC over name and bytes only."""
    key = signing.signing_key()
    files = {
        path.name: signing._mac(key, path.name, path.read_bytes())
        for path in folder.iterdir()
        if path.name != signing.SIGNATURE_FILE
    }
    payload = {"version": 1, "alg": "HMAC-SHA256", "files": files}
    (folder / signing.SIGNATURE_FILE).write_text(json.dumps(payload), encoding="utf-8")


async def test_a_run_signed_before_signatures_named_their_run_is_refused_naming_both_fixes(
    trained: tuple[Path, dict[str, Any]],
) -> None:
    project, legit = trained[0], trained[1]["logistic"]["run_id"]
    sign_as_version_1(get_store(Workspace(project)).moai_dir(legit))
    async with inprocess_client(project) as client:
        result = await client.call_tool("ml_export", {"run_id": legit, "format": "joblib"})
        text = error_text(result)
        assert result.is_error and len(text.splitlines()) == 1, text
        assert "pass trusted=true" in text and "train the run again" in text, text
        trusted = {"run_id": legit, "format": "joblib", "trusted": True}
        result = await client.call_tool("ml_export", trusted)
        assert not result.is_error, error_text(result)


def test_a_staged_file_changed_before_logging_is_not_signed_for_the_run(tmp_path: Path) -> None:
    folder = tmp_path / "moai"
    folder.mkdir()
    (folder / "model.joblib").write_bytes(b"genuine")
    signing.sign_folder(folder)
    signing.bind_folder(folder, "run-a")
    assert signing.verified_bytes(folder / "model.joblib", folder=folder, run_id="run-a")
    assert not signing.verified_bytes(folder / "model.joblib", folder=folder, run_id="run-b")
    signing.sign_folder(folder)
    (folder / "model.joblib").write_bytes(b"swapped")
    with pytest.raises(MoaiMlError, match="changed since it was staged"):
        signing.bind_folder(folder, "run-a")
