"""`child.run_job` under load and on stop: results are never lost, no process is left behind."""

from __future__ import annotations

import os
import time
from pathlib import Path

import anyio
import pytest

from mcp_server.processes import child
from tests.jobs_support import echo, spawn_and_sleep

pytestmark = pytest.mark.anyio


async def test_a_result_sent_just_before_the_child_exits_is_never_reported_as_a_crash(monkeypatch):
    # A tiny poll timeout makes "poll timed out, then the child sent its result and exited" happen
    # on many iterations: before the fix, a share of these jobs came back "stopped without a
    # result".
    monkeypatch.setattr(child, "POLL_S", 0.002)
    results: dict[int, object] = {}

    async def one(i: int) -> None:
        payload = {"i": i, "sleep": (i % 10) * 0.02}
        results[i] = await child.run_job(echo, payload, budget_s=120)

    async def busy_event_loop() -> None:
        # A loaded server: the event loop is often busy for a while between two checks.
        while True:
            time.sleep(0.03)
            await anyio.sleep(0.001)

    async with anyio.create_task_group() as tg:
        tg.start_soon(busy_event_loop)
        async with anyio.create_task_group() as jobs_group:
            for i in range(60):
                jobs_group.start_soon(one, i)
        tg.cancel_scope.cancel()
    assert results == {i: {"i": i, "sleep": (i % 10) * 0.02} for i in range(60)}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie awaiting its reaper counts as gone.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"


async def _wait_gone(pid: int) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        await anyio.sleep(0.05)
    return False


async def test_a_timed_out_job_leaves_no_child_or_grandchild_behind(tmp_path: Path):
    pid_file = tmp_path / "pid"
    with pytest.raises(child.JobTimeout):
        await child.run_job(spawn_and_sleep, str(pid_file), budget_s=3)
    assert await _wait_gone(int(pid_file.read_text()))


async def test_a_cancelled_job_leaves_no_child_or_grandchild_behind(tmp_path: Path):
    pid_file = tmp_path / "pid"
    with anyio.move_on_after(3):
        await child.run_job(spawn_and_sleep, str(pid_file), budget_s=600)
    assert pid_file.exists()
    assert await _wait_gone(int(pid_file.read_text()))
