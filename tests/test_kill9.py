"""kill -9 of the server in the middle of an export, a serving generation and a TDD phase, and of
a job's process: the workspace stays consistent (no half-written file, the manifest agrees with
the files, the job is reported failed) and the next call works."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from mcp_server.core import layout
from mcp_server.processes.background import JOBS
from tests.support import (
    copy_examples,
    copy_workspace,
    inprocess_client,
    structured,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("kill9")]
KILL_AFTER_S = (0.5, 3.0)  # early (loading), late (fitting or writing)


def _start_server(project: Path) -> subprocess.Popen[bytes]:
    """The real server over stdio, driven with raw JSON-RPC lines so the test holds its pid."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mcp_server", "--workspace", str(project)],
        cwd=project,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    hello = {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "kill9", "version": "0"},
    }
    _send(proc, {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": hello})
    assert proc.stdout is not None and b'"id":0' in proc.stdout.readline().replace(b" ", b"")
    _send(proc, {"jsonrpc": "2.0", "method": "notifications/initialized"})
    return proc


def _send(proc: subprocess.Popen[bytes], message: dict[str, Any]) -> None:
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(message).encode() + b"\n")
    proc.stdin.flush()


def _kill_mid_call(project: Path, tool: str, arguments: dict[str, Any], after_s: float) -> None:
    proc = _start_server(project)
    _send(
        proc,
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": tool, "arguments": arguments},
        },
    )
    time.sleep(after_s)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def _assert_consistent(project: Path) -> None:
    """No temp file of an atomic write outside the private scratch folder; every file the
    manifest records exists with the recorded content."""
    scratch = project / layout.SCRATCH
    leftovers = [p for p in project.rglob("*.tmp") if scratch not in p.parents]
    assert not leftovers, f"half-written files left behind: {leftovers[:5]}"
    manifest = project / layout.MANIFEST
    entries = json.loads(manifest.read_text()) if manifest.exists() else {}
    for rel, digest in entries.items():
        path = project / rel
        assert path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == digest, (
            f"manifest wrong for {rel}"
        )


@pytest.fixture(scope="module")
def forest(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A project with a 300-tree forest trained once for the module (its export and serving take
    seconds, long enough to be killed in the middle); tests work on copies of it."""
    project = copy_examples(tmp_path_factory.mktemp("kill9") / "project")
    arguments = {
        "data_path": "data/breast_cancer.csv",
        "target": "target",
        "model": "random_forest",
        "drop": ["patient_id"],
        "params": {"n_estimators": 300},
    }
    return project, str(anyio.run(_next_call, project, "ml_train", arguments)["run_id"])


async def _next_call(project: Path, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """A call before or after a kill, in a fresh in-process server: the killed server is the real
    process, the transport of the calls around it is not what is tested."""
    async with inprocess_client(project) as client:
        return structured(await client.call_tool(tool, arguments))


@pytest.mark.parametrize("tool", ["ml_export", "ml_generate_serving"])
def test_a_server_killed_mid_export_or_mid_generation_leaves_a_workspace_the_next_call_completes(
    tmp_path: Path, tool: str, forest: tuple[Path, str]
):
    project, run_id = copy_workspace(forest[0], tmp_path / "project"), forest[1]
    arguments = (
        {"run_id": run_id, "format": "onnx"}
        if tool == "ml_export"
        else {"run_id": run_id, "runtime": "onnx"}
    )
    for after_s in KILL_AFTER_S:
        _kill_mid_call(project, tool, arguments, after_s)
        _assert_consistent(project)
        result = anyio.run(_next_call, project, tool, arguments)
        assert not result.get("skipped"), (
            f"files taken for person-edited after a kill at {after_s} s: {result}"
        )
        _assert_consistent(project)


def test_a_server_killed_mid_tdd_phase_leaves_a_workspace_the_next_phase_completes(tmp_path: Path):
    project = copy_examples(tmp_path / "project")
    anyio.run(_next_call, project, "ml_tdd_red", {"spec_path": "ML-001"})
    inline = {"spec_path": "ML-001", "background": False}  # killed in the server, not a job
    for after_s in KILL_AFTER_S:
        _kill_mid_call(project, "ml_tdd_green", inline, after_s)
        _assert_consistent(project)
    green = anyio.run(_next_call, project, "ml_tdd_green", inline)
    assert green["green"], green
    _assert_consistent(project)


def _group_left(pgid: int, patience_s: float = 10.0) -> str:
    """The processes of a killed group still there after `patience_s`: SIGKILLed processes take a
    moment to exit and be reaped (the status call, in process, can be quicker than that)."""
    deadline = time.monotonic() + patience_s
    while True:
        left = subprocess.run(
            ["pgrep", "-g", str(pgid)], capture_output=True, text=True, check=False
        ).stdout.strip()
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def test_a_job_whose_process_is_killed_is_reported_failed_and_the_next_call_works(tmp_path: Path):
    project = copy_examples(tmp_path / "project")
    compare = {
        "data_path": "data/breast_cancer.csv",
        "target": "target",
        "cv_folds": 5,
        "drop": ["patient_id"],
        "models": ["logistic_regression", "random_forest", "extra_trees"],
    }
    ticket = anyio.run(_next_call, project, "ml_compare_models", {**compare, "background": True})
    pid = int(json.loads((project / JOBS / ticket["job_id"] / "runner.pid").read_text())["pid"])
    time.sleep(3)
    os.killpg(
        pid, signal.SIGKILL
    )  # the runner leads its own session: it and every worker it started
    status = anyio.run(_next_call, project, "ml_job_status", {"job_id": ticket["job_id"]})
    assert status["state"] == "failed" and "stopped without a result" in status["error"], status
    leftover = _group_left(pid)
    assert not leftover, f"processes of the killed job still running: {leftover}"
    _assert_consistent(project)
    done = anyio.run(
        _next_call, project, "ml_compare_models", {**compare, "models": ["logistic_regression"]}
    )
    assert done["best_model"] == "logistic_regression"
