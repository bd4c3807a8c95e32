"""Cancelling a TDD call stops its pytest subprocesses and everything after them (issue 15)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import anyio
import pytest

from tests.fuzz.harness import snapshot
from tests.support import copy_examples, stdio_client

pytestmark = pytest.mark.anyio


def _pytests_in(project: Path) -> set[int]:
    """Live pytest processes whose working directory is the project."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            cwd = os.readlink(entry / "cwd")
            state = (entry / "stat").read_text().split(")")[-1].split()[0]
        except OSError:
            continue
        if b"-m\x00pytest\x00" in cmdline and cwd == str(project) and state != "Z":
            found.add(int(entry.name))
    return found


async def _wait(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await anyio.sleep(0.05)
    return False


async def test_a_cancelled_tdd_cycle_kills_its_pytest_and_writes_nothing_more(tmp_path: Path):
    project = copy_examples(tmp_path / "project").resolve()
    async with stdio_client(project) as client:
        async with anyio.create_task_group() as tg:

            async def cycle() -> None:
                await client.call_tool("ml_tdd_cycle", {"spec_path": "ML-001", "background": False})

            tg.start_soon(cycle)
            assert await _wait(lambda: bool(_pytests_in(project)), 300), "pytest never started"
            tg.cancel_scope.cancel()
        assert await _wait(lambda: not _pytests_in(project), 10), (
            f"pytest still alive: {_pytests_in(project)}"
        )
        await anyio.sleep(1)
        before = snapshot(project)
        await anyio.sleep(15)  # long enough for the rest of the cycle to have written something
        assert snapshot(project) == before
        assert not _pytests_in(project)
        listed = await client.call_tool("ml_list_runs", {})
        assert not listed.is_error  # the server still serves
