"""Helpers for the training, evaluation and tracking tests: a client whose server has extra
environment, the server's job processes as /proc shows them, and small tables."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from mcp import Client
from mcp.client.stdio import StdioServerParameters

from tests.support import error_text, structured


@contextlib.asynccontextmanager
async def client_with_env(workspace: Path, **env: str) -> AsyncIterator[Client]:
    """A real stdio client whose server runs with extra environment variables."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "mcp_server", "--workspace", str(workspace)],
        cwd=str(workspace),
        env={"PYTHONUNBUFFERED": "1", **env},
    )
    async with Client(params, read_timeout_seconds=600) as client:
        yield client


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """Call a tool that must succeed; its structured result."""
    return structured(await client.call_tool(tool, arguments))


async def call_error(client: Client, tool: str, **arguments: Any) -> str:
    """Call a tool that must fail; its error text."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, f"{tool} should have failed but returned {result.structured_content}"
    return error_text(result)


def _processes() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, state, command line) for every process /proc shows."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(entry.name)] = (int(fields[1]), fields[0], cmdline)
    return out


def job_processes() -> list[int]:
    """Live (non-zombie) job processes: children of a forkserver started by this test process."""
    procs = _processes()
    mine = {os.getpid()}
    grew = True
    while grew:  # every descendant of this test process
        grew = False
        for pid, (ppid, _, _) in procs.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                grew = True
    servers = {pid for pid in mine if "forkserver" in procs[pid][2]}
    return [pid for pid in mine if procs[pid][0] in servers and procs[pid][1] != "Z"]


def wait_until(predicate: Any, timeout: float = 10.0) -> bool:
    """Poll a condition for a bounded time (process exit is asynchronous)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return bool(predicate())


def staging_left(project: Path) -> list[str]:
    base = project / ".moai/ml/tmp"
    return sorted(p.name for p in base.iterdir()) if base.is_dir() else []
