"""Two servers on one fresh workspace, several calls at once each: every call succeeds, every run
it reported is in the store, and no "database is locked" or "already exists" reaches the user."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from mcp_server.ml.tracking.runs import get_store
from mcp_server.workspace import Workspace
from tests.support import copy_examples, error_text, stdio_client

pytestmark = pytest.mark.anyio
CALLS_PER_SERVER = 6


async def test_two_servers_racing_on_a_fresh_store_lose_no_run(tmp_path: Path):
    project = copy_examples(tmp_path / "project")
    assert not (project / ".moai/ml/mlflow.db").exists()
    reported: list[str] = []
    failures: list[str] = []

    async def server() -> None:
        async with stdio_client(project) as client:

            async def train(seed: int) -> None:
                args = {"data_path": "data/breast_cancer.csv", "target": "target", "model": "logistic_regression",
                        "seed": seed}  # fmt: skip
                result = await client.call_tool("ml_train", args)
                if result.is_error:
                    failures.append(error_text(result))
                else:
                    reported.append(str(result.structured_content["run_id"]))  # type: ignore[index]

            async with anyio.create_task_group() as tg:
                for seed in range(CALLS_PER_SERVER):
                    tg.start_soon(train, seed)

    async with anyio.create_task_group() as tg:
        tg.start_soon(server)
        tg.start_soon(server)
    assert not failures, failures
    assert len(reported) == 2 * CALLS_PER_SERVER
    store = get_store(Workspace(project))
    for run_id in reported:
        assert store.get_run(run_id) is not None
