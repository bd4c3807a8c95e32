"""The MCP stdio shutdown: when the client closes the server's stdin, the server exits, and
no process it started (the job forkserver) outlives it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import copy_examples

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "closing-client", "version": "1"},
    },
}
LIST = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


def _children(pid: int) -> set[int]:
    """Every process whose parent chain leads to `pid`."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_closing_stdin_ends_the_server_and_its_forkserver_within_seconds(tmp_path: Path):
    project = copy_examples(tmp_path / "project")
    server = subprocess.Popen(
        [sys.executable, "-m", "mcp_server", "--workspace", str(project)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        for message in (INITIALIZE, INITIALIZED, LIST):
            server.stdin.write((json.dumps(message) + "\n").encode())
            server.stdin.flush()
        answers = [json.loads(server.stdout.readline()) for _ in range(2)]
        assert answers[1]["id"] == 2 and answers[1]["result"]["tools"]
        started = _children(server.pid)
        server.stdin.close()
        server.wait(timeout=20)
        deadline = time.monotonic() + 20
        while any(_alive(p) for p in started) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [p for p in started if _alive(p)] == []
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
