"""Two servers on one fresh workspace, several calls at once each: every call succeeds, every run
it reported is in the store, and no "database is locked" or "already exists" reaches the user."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tracking.runs import get_store
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
                args = {
                    "data_path": "data/breast_cancer.csv",
                    "target": "target",
                    "model": "logistic_regression",
                    "seed": seed,
                }
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


def test_a_run_is_written_while_another_process_holds_the_store_locked_past_mlflows_busy_timeout(
    tmp_path: Path,
):
    import subprocess
    import sys

    from mcp_server.ml.tracking.store import MlflowStore, RunRecord

    store = MlflowStore(tmp_path)
    store.client  # noqa: B018 - creates the schema first
    holder = (
        "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None);"
        "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(24);"
        "c.execute('COMMIT')"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder, str(tmp_path / ".moai/ml/mlflow.db")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    run_id = store.record(
        RunRecord("locked-store", "waits", "train", params={"a": 1}, metrics={"m": 0.5})
    )
    assert proc.wait(timeout=60) == 0
    assert store.get_run(run_id).metrics == {"m": 0.5}
