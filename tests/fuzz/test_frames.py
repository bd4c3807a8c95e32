"""Malformed JSON-RPC frames on the stdio wire: each gets an answer, and the server keeps
serving."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from queue import Empty, Queue
from typing import Any

import pytest
from mcp_types import LATEST_PROTOCOL_VERSION

from tests.support import copy_examples

# module fixtures: built once, on one worker
pytestmark = pytest.mark.xdist_group("fuzz_frames")

FRAMES = {
    "nesting 100k deep": "[" * 100_000 + "]" * 100_000,
    "object nesting 100k deep": '{"a":' * 100_000 + "1" + "}" * 100_000,
    "5000-digit integer id": '{"jsonrpc":"2.0","id":' + "9" * 5000 + ',"method":"ping"}',
    "5000-digit integer param": '{"jsonrpc":"2.0","id":7,"method":"ping","params":{"x":'
    + "9" * 5000
    + "}}",
    "lone surrogate id": '{"jsonrpc":"2.0","id":"\\ud800","method":"ping"}',
    "lone surrogate method": '{"jsonrpc":"2.0","id":8,"method":"\\udfff"}',
    "truncated JSON": '{"jsonrpc":"2.0","id":9,"method":"pi',
    "not JSON": "hello",
    "JSON but not JSON-RPC": "[1, 2, 3]",
    "invalid UTF-8": b"\xff\xfe\xfa".decode("latin-1"),
    "empty object": "{}",
    "object id": '{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}',
    "array id": '{"jsonrpc":"2.0","id":[1],"method":"ping"}',
    "boolean id": '{"jsonrpc":"2.0","id":true,"method":"ping"}',
}


class Wire:
    """`python -m mcp_server` with raw pipes: frames go in as lines, answers are read as lines."""

    def __init__(self, workspace: Path) -> None:
        cmd = [sys.executable, "-m", "mcp_server", "--workspace", str(workspace)]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self.lines: Queue[bytes] = Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def send(self, frame: str | bytes) -> None:
        assert self.proc.stdin is not None
        data = frame if isinstance(frame, bytes) else frame.encode("utf-8", "surrogatepass")
        self.proc.stdin.write(data + b"\n")
        self.proc.stdin.flush()

    def answers_until(self, request_id: int, timeout: float = 20.0) -> list[Any]:
        """Every message up to and including the answer to `request_id`."""
        out: list[Any] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except Empty:
                continue
            message = json.loads(line)
            out.append(message)
            if message.get("id") == request_id:
                return out
        raise AssertionError(
            f"no answer to request {request_id} within {timeout} s; got {out!r:.500}"
        )

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture(scope="module")
def wire(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One server for every frame: each frame must leave it serving the next one."""
    wire = Wire(copy_examples(tmp_path_factory.mktemp("frames") / "project"))
    init = {
        "protocolVersion": LATEST_PROTOCOL_VERSION,
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "0"},
    }
    wire.send(json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": init}))
    assert "result" in wire.answers_until(0, timeout=60)[-1]
    wire.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
    yield wire
    wire.close()


@pytest.mark.parametrize("name", list(FRAMES))
def test_a_malformed_frame_gets_an_error_answer_and_the_server_keeps_serving(wire: Wire, name: str):
    wire.send(FRAMES[name])
    wire.send(json.dumps({"jsonrpc": "2.0", "id": 1000, "method": "ping"}))
    answers = wire.answers_until(1000)
    assert answers[-1].get("result") == {}, answers[-1]
    errors = [a for a in answers[:-1] if "error" in a]
    assert errors, f"{name}: no error answer to the malformed frame"
    assert all(
        isinstance(e["error"].get("message"), str) and len(e["error"]["message"]) < 300
        for e in errors
    )
    assert wire.proc.poll() is None


@pytest.mark.parametrize("task_id", ["j20261128-021500-a1b2c3\n", "../../etc", "j" * 40])
def test_tasks_get_with_a_malformed_task_id_is_an_invalid_params_error_naming_a_job_id(
    wire: Wire, task_id: str
):
    params = {"taskId": task_id}
    wire.send(json.dumps({"jsonrpc": "2.0", "id": 2000, "method": "tasks/get", "params": params}))
    error = wire.answers_until(2000)[-1]["error"]
    assert error["code"] == -32602 and "is not a job id" in error["message"], error
    assert wire.proc.poll() is None
