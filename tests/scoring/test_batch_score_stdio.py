"""`ml_batch_score` end to end over stdio (`python -m mcp_server`, the SDK's client): a job on a
LocalCluster the job started is cancelled halfway and leaves whole partitions only and no Dask
process behind; the next call resumes where it stopped; a hostile dataset path is refused."""

from __future__ import annotations

import json
import time
from pathlib import Path

import anyio
import pandas as pd
import pytest

from tests.support import error_text, stdio_client, structured

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

PARTS = 40


def _dataset(project: Path) -> int:
    rows = pd.read_csv(project / "data/breast_cancer.csv").drop(columns=["target"])
    big = pd.concat([rows] * 8, ignore_index=True)  # 4,552 rows a partition
    (project / "data/big").mkdir()
    for i in range(PARTS):
        big.to_parquet(project / f"data/big/part-{i:03d}.parquet")
    return len(big) * PARTS


def _dask_processes() -> set[int]:
    found = set()
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if b"multiprocessing.spawn" in cmdline or b"distributed" in cmdline:
            found.add(int(proc.name))
    return found


def _done(output: Path) -> dict[str, dict[str, object]]:
    try:
        return dict(json.loads((output / "_manifest.json").read_text())["done"])
    except (OSError, ValueError, KeyError):
        return {}


async def test_a_cancelled_cluster_job_keeps_whole_partitions_and_the_next_call_resumes(trained):
    project, runs = trained
    total_rows = _dataset(project)
    output = project / "scores/big"
    before = _dask_processes()
    args = {
        "model": runs["forest"]["run_id"],
        "data_path": "data/big",
        "output": "scores/big",
        "allow_failed_gates": True,  # its SPEC's latency gate depends on the machine
    }
    async with stdio_client(project) as client:
        ticket = structured(
            await client.call_tool(
                "ml_batch_score", {**args, "cluster": "local-cluster", "background": True}
            )
        )
        with anyio.fail_after(240):
            while len(_done(output)) < 2:
                await anyio.sleep(0.05)
        cancelled = structured(
            await client.call_tool("ml_job_cancel", {"job_id": ticket["job_id"]})
        )
        assert cancelled["state"] == "cancelled", cancelled
        stopped = _done(output)
        assert 2 <= len(stopped) < PARTS
        assert not list(output.glob(".*.tmp"))
        for entry in stopped.values():
            assert len(pd.read_parquet(output / str(entry["file"]))) == entry["rows"]
        deadline = time.monotonic() + 30
        while _dask_processes() - before and time.monotonic() < deadline:
            await anyio.sleep(0.2)
        assert _dask_processes() - before == set(), "the cancelled job's Dask workers are gone"

        resumed = structured(await client.call_tool("ml_batch_score", args))
        hostile = await client.call_tool(
            "ml_batch_score", {**args, "data_path": "../../*/*.parquet", "output": "elsewhere"}
        )
    assert resumed["ran_on"].startswith("local; ")
    assert resumed["resumed"] >= len(stopped) and resumed["scored"] == PARTS - resumed["resumed"]
    assert resumed["rows"] == total_rows
    assert len(list(output.glob("*.parquet"))) == PARTS
    assert hostile.is_error and "outside the workspace" in error_text(hostile)
    assert not (project / "elsewhere").exists()
