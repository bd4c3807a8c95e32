"""Registry and promotion verify a run's model signature like export does (issue 23, medium 4).

The attack: a run planted with the plain MLflow client, carrying the moai.* tags of a genuine run
(`moai.gates_passed=true` included) and a `moai/model.joblib` that runs code when loaded. It must
not become a registered version, and a version of it registered behind the product's back must
not be promoted: `models:/name@champion` would load it anywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tracking.runs import get_store
from tests.support import inprocess_client
from tests.test_store_trust import log_hostile_run
from tests.train_support import call, call_error

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("store_trust")]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def copy_tags(project: Path, source: str, target: str) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{project / '.moai/ml/mlflow.db'}")
    for key, value in client.get_run(source).data.tags.items():
        if key.startswith("moai."):
            client.set_tag(target, key, value)
    client.set_tag(target, "moai.gates_passed", "true")


def register_behind_our_back(project: Path, run_id: str, name: str) -> int:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{project / '.moai/ml/mlflow.db'}")
    run = client.get_run(run_id)
    model_id = run.data.tags["moai.model_id"]
    source = client.get_logged_model(model_id).artifact_location
    made = client.create_model_version(name, source=source, run_id=run_id, model_id=model_id)
    return int(made.version)


@pytest.mark.parametrize("copy_signature", [False, True], ids=["unsigned", "borrowed-signature"])
async def test_a_planted_run_is_neither_registered_nor_promoted(
    tmp_path: Path, trained: tuple[Path, dict[str, Any]], copy_signature: bool
) -> None:
    # a genuine ml_train run on breast_cancer.csv, shared with tests/test_store_trust.py (the same
    # xdist group) instead of trained again per case
    project, legit = trained[0], trained[1]["logistic"]
    marker = tmp_path / "pwned"
    async with inprocess_client(project) as client:
        legit_moai = get_store(Workspace(project)).moai_dir(legit["run_id"])
        evil = log_hostile_run(project, legit_moai, marker, copy_signature)
        copy_tags(project, legit["run_id"], evil)
        text = await call_error(client, "ml_register_model", run_id=evil, name="clean")
        assert "not signed" in text and len(text.splitlines()) == 1, text
        await call(client, "ml_register_model", run_id=legit["run_id"], name="clean")
        version = register_behind_our_back(project, evil, "clean")
        text = await call_error(
            client, "ml_promote", name="clean", version=version, alias="champion", force=True
        )
        assert "not signed" in text, text
    assert not marker.exists()
