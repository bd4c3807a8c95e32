"""The torch family through the real MCP server over stdio: train, evaluate, compare."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import copy_examples, inprocess_client
from tests.train_support import call

pytest.importorskip("skorch")
pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_ml_train_evaluate_and_compare_accept_the_torch_family_over_stdio(tmp_path: Path):
    project = copy_examples(tmp_path / "project")
    async with inprocess_client(project) as client:
        run = await call(
            client,
            "ml_train",
            data_path="data/breast_cancer.csv",
            target="target",
            model="torch_mlp",
            params={"hidden_units": 32},
            drop=["patient_id"],
        )
        assert (
            run["model"] == "torch_mlp"
            and run["primary_value"] > 0.95
            and run["labels"] == ["0", "1"]
        )
        evaluated = await call(client, "ml_evaluate", run_id=run["run_id"])
        assert evaluated["metrics"]["roc_auc"] == pytest.approx(run["metrics"]["roc_auc"], abs=1e-6)
        board = await call(
            client,
            "ml_compare_models",
            data_path="data/diabetes.csv",
            target="progression",
            models=["torch_mlp", "ridge"],
            cv_folds=2,
            params={"torch_mlp": {"hidden_units": 16, "max_epochs": 60}},
        )
        ranked = {row["model"]: row for row in board["leaderboard"]}
        assert board["not_ranked"] == [] and set(ranked) == {"torch_mlp", "ridge"}
        assert ranked["torch_mlp"]["score"] < 80 and ranked["torch_mlp"]["run_id"]
