"""Helpers shared by the tests: a real MCP client against the server, in this process (the SDK's
in-memory transport) or over stdio or HTTP against `moai-ml mcp`."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from mcp_server.core import settings
from tests.next_step_calls import record

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def copy_examples(dest: Path) -> Path:
    """A fresh copy of examples/ (SPECs + data) as a user's project."""
    shutil.copytree(
        EXAMPLES, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    return dest


def copy_workspace(source: Path, dest: Path) -> Path:
    """A copy of a workspace that has runs, at `dest`: the SQLite MLflow store and the logged
    models' MLmodel files name their artifact folders by absolute path, so those are re-pointed
    from `source` to `dest` (the copy's runs, models and artifacts are its own)."""
    import sqlite3

    shutil.copytree(source, dest, symlinks=True)
    old, new = str(source), str(dest)
    db = dest / ".moai/ml/mlflow.db"
    if db.is_file():
        with contextlib.closing(sqlite3.connect(db)) as con, con:
            listed = con.execute("SELECT name FROM sqlite_master WHERE type='table'")
            for (table,) in listed.fetchall():
                for column in con.execute(f"PRAGMA table_info('{table}')").fetchall():
                    if "CHAR" in column[2].upper() or "TEXT" in column[2].upper():
                        con.execute(
                            f'UPDATE "{table}" SET "{column[1]}" = replace("{column[1]}", ?, ?) '
                            f'WHERE instr("{column[1]}", ?) > 0',
                            (old, new, old),
                        )
    for mlmodel in dest.glob(".moai/**/MLmodel"):
        mlmodel.write_text(mlmodel.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return dest


def server_params(workspace: Path, *extra: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "mcp_server", "--workspace", str(workspace), *extra],
        cwd=str(workspace),
        env={"PYTHONUNBUFFERED": "1"},
    )


@contextlib.asynccontextmanager
async def stdio_client(workspace: Path) -> AsyncIterator[Client]:
    """A real MCP client talking to `python -m mcp_server` over stdio.

    For tests of the wire and of the server process itself (framing, kill -9, jobs that outlive
    it, environment given to the process); everything else uses `inprocess_client`."""
    async with Client(server_params(workspace), read_timeout_seconds=600) as client:
        yield client


@contextlib.asynccontextmanager
async def inprocess_client(workspace: Path) -> AsyncIterator[Client]:
    """The SDK's client against the very server `moai-ml mcp` builds, in this test process.

    Same tools, middleware, job processes and MLflow store as over stdio, without a process start
    (~2 s of CPU) and a job forkserver preloading the ML libraries (~5 s of CPU) per client: the
    forkserver is started once per test process and shared. Calls go through the SDK's
    in-process dispatcher (validation, middleware, progress, cancellation), not through JSON-RPC
    framing, which tests/test_client.py and tests/fuzz test over stdio and HTTP."""
    from mcp_server.entry.server import build_server

    async with Client(build_server(workspace), read_timeout_seconds=600) as client:
        yield client


def structured(result: Any) -> dict[str, Any]:
    """The structured content of a successful tool call, or fail with the error text."""
    assert not result.is_error, error_text(result)
    assert result.structured_content is not None
    record(result.structured_content)  # every next_step the suite sees is checked at its end
    return dict(result.structured_content)


def error_text(result: Any) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running(
    cmd: list[str], cwd: Path, ready_url: str, timeout: float = 60.0
) -> Iterator[subprocess.Popen[bytes]]:
    """A server process on 127.0.0.1, yielded once `ready_url` answers; always stopped after.

    Its stderr goes to a file, never a pipe: a pipe nobody reads fills after ~64 KB of access
    log (a few hundred requests) and then freezes the server mid-test."""
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=log, env={**os.environ}
        )
        try:
            wait_http(ready_url, proc, timeout=timeout, log=log)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def generated_pytest(
    folder: Path, *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """pytest run in a generated service or project `folder`, as its user runs it: without the
    pytest plugins this venv holds (schemathesis, hypothesis, hydra, ... cost about 4.5 s of CPU per
    start, and the generated tests use none; the product's own TDD runs skip them the same way)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args, "-q", "-p", "no:cacheprovider"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, settings.PYTEST_DISABLE_PLUGIN_AUTOLOAD.name: "1"},
    )


@contextlib.contextmanager
def uvicorn_service(service: Path, ready: str = "/ready", *extra: str) -> Iterator[str]:
    """A generated prediction service (`app.main:app` under uvicorn) on 127.0.0.1, from its
    folder; yields its base URL once `ready` answers."""
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"]
    base = f"http://127.0.0.1:{port}"
    with running([*cmd, "--port", str(port), *extra], service, base + ready):
        yield base


@contextlib.contextmanager
def http_server(workspace: Path) -> Iterator[str]:
    """`moai-ml mcp --transport streamable-http` on 127.0.0.1; yields the endpoint URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    cmd = [
        sys.executable,
        "-m",
        "mcp_server",
        "--workspace",
        str(workspace),
        "--transport",
        "streamable-http",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with running(cmd, workspace, url):
        yield url


def wait_http(
    url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0, log: Any = None
) -> None:
    """Poll until something answers at `url` (any HTTP status), or the process dies.

    One client for every poll: a bare `httpx.get` builds a client and its TLS context each time
    (about 24 ms of CPU), which is most of what polling a starting server costs."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1.0) as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                if log is not None:
                    log.seek(0)
                err = log.read().decode(errors="replace") if log is not None else ""
                raise RuntimeError(f"server exited with {proc.returncode}: {err[-2000:]}")
            try:
                http.get(url)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
    raise TimeoutError(f"nothing answered at {url} within {timeout} s")


def dump(data: Any) -> str:
    return json.dumps(data, indent=1, default=str)
