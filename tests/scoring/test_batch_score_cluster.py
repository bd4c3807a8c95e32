"""`ml_batch_score` on a real Dask cluster (a scheduler and two worker processes, and a
LocalCluster the job starts itself): the same scores as in the job process, where it ran and the
dashboard said in the result."""

from __future__ import annotations

import pandas as pd
import pytest

from mcp_server.core import settings
from tests.scoring.test_batch_score import read_scores, split_parquet
from tests.support import inprocess_client, structured

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_scores_on_a_running_scheduler_equal_the_scores_of_the_job_process(
    trained, dask_cluster
):
    project, runs = trained
    split_parquet(project, parts=6)
    args = {"model": runs["logistic"]["run_id"], "data_path": "data/parts", "keep": ["patient_id"]}
    address = dask_cluster.scheduler_address
    async with inprocess_client(project) as client:
        local = structured(await client.call_tool("ml_batch_score", {**args, "output": "local"}))
        remote = structured(
            await client.call_tool(
                "ml_batch_score", {**args, "output": "remote", "cluster": address}
            )
        )
    assert remote["engine"] == address and remote["workers"] == 2
    assert remote["dashboard"].startswith("http://127.0.0.1:")
    assert remote["scored"] == 6 and remote["rows"] == local["rows"] == 569
    pd.testing.assert_frame_equal(read_scores(project, "remote"), read_scores(project, "local"))


async def test_the_setting_alone_runs_it_on_a_local_cluster_sized_to_the_machine(
    trained, monkeypatch
):
    project, runs = trained
    split_parquet(project, parts=3)
    monkeypatch.setenv(settings.CLUSTER.name, "local-cluster")
    monkeypatch.setenv(settings.MAX_MEMORY_MB.name, "2048")
    async with inprocess_client(project) as client:
        result = structured(
            await client.call_tool(
                "ml_batch_score", {"model": runs["logistic"]["run_id"], "data_path": "data/parts"}
            )
        )
    assert result["engine"] == "local-cluster" and result["workers"] >= 1
    assert result["dashboard"].startswith("http://127.0.0.1:")
    assert result["rows"] == 569 and len(read_scores(project, result["output"])) == 569
