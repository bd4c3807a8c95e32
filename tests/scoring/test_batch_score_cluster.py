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
    assert remote["ran_on"].startswith(f"{address}: 2 workers, dashboard http://127.0.0.1:")
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
    assert result["ran_on"].startswith("local-cluster: ")
    assert ", dashboard http://127.0.0.1:" in result["ran_on"]
    assert result["rows"] == 569 and len(read_scores(project, result["output"])) == 569


async def test_a_worker_killed_mid_scoring_leaves_only_whole_partitions_and_the_job_finishes(
    trained,
):
    import json
    import os
    import signal
    import time

    import anyio
    from distributed import Client

    from tests.cluster_support import local_cluster

    project, runs = trained
    rows = pd.read_csv(project / "data/breast_cancer.csv").drop(columns=["target"])
    (project / "data/big").mkdir()
    for i in range(30):
        pd.concat([rows] * 4, ignore_index=True).to_parquet(project / f"data/big/p{i:02d}.parquet")
    manifest = project / "scores/big/_manifest.json"
    killed: list[float] = []

    async def kill_a_worker(address: str) -> None:
        with anyio.fail_after(120):
            while not manifest.exists() or len(json.loads(manifest.read_text())["done"]) < 2:
                await anyio.sleep(0.05)
        with Client(address, timeout=10) as watcher:
            pid = next(iter(watcher.run(os.getpid).values()))
        os.kill(pid, signal.SIGKILL)
        killed.append(time.monotonic())

    with local_cluster() as cluster:
        address = cluster.scheduler_address
        args = {
            "model": runs["forest"]["run_id"],
            "data_path": "data/big",
            "output": "scores/big",
            "cluster": address,
            "allow_failed_gates": True,  # its SPEC's latency gate depends on the machine
        }
        async with inprocess_client(project) as client, anyio.create_task_group() as group:
            group.start_soon(kill_a_worker, address)
            result = structured(await client.call_tool("ml_batch_score", args))
            finished = time.monotonic()
    assert killed and killed[0] < finished, "a worker was killed while the job ran"
    assert result["scored"] == 30 and result["rows"] == 30 * 4 * len(rows)
    done = json.loads(manifest.read_text())["done"]
    assert len(done) == 30 and not list((project / "scores/big").glob(".*.tmp"))
    for entry in done.values():
        assert len(pd.read_parquet(project / "scores/big" / entry["file"])) == entry["rows"]
