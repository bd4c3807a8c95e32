"""Background jobs that outlive the MCP connection: one folder per job under `.moai/ml/jobs/`.

Why a detached process per job: an MCP host abandons a tool call after a minute or so, and over
stdio the server itself exits when the host disconnects. A job therefore runs in its own process
session (`mcp_server.entry.runner`), which keeps going when the server goes away and leaves its
state and result on disk, where any later server process (the reconnected client's) reads them.

Files of one job, each with a single writer, each replaced atomically:
  request.json  the tool and its validated arguments (the server, once)
  runner.pid    the runner's pid and start time (the server, once, right after spawning it)
  state.json    state, progress, message, error (the server writes `queued`; the runner the rest,
                unless it died, then the next reader records `failed`)
  result.json   the tool's CallToolResult, exactly what the inline call returns (the runner)
  log.txt       the runner's stderr
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

from mcp_server.core import layout, names, settings
from mcp_server.core.errors import MoaiMlError
from mcp_server.files.journal import process_alive, process_start
from mcp_server.files.workspace import Workspace, atomic_write
from mcp_server.safety.secrets import split_secrets

JOBS = layout.JOBS
JOB_ID = r"^j[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$"
TERMINAL = ("done", "failed", "cancelled")
STATES = ("queued", "running", *TERMINAL)
CANCEL_GRACE_S = 15.0
PROGRESS_EVERY_S = 0.5


class JobNotFound(MoaiMlError):
    """No job with that id in this workspace."""


@dataclass
class JobState:
    """What `state.json` holds: where the job is, and how far it got."""

    job_id: str
    tool: str
    state: str = "queued"
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    finished: float | None = None
    progress: float = 0.0
    total: float | None = None
    message: str = "waiting for the job process to start"
    error: str | None = None

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL

    @property
    def elapsed_s(self) -> float:
        return round((self.finished or time.time()) - self.created, 1)

    @property
    def fraction(self) -> float | None:
        """Progress as a share of the total (None when the tool gave no total)."""
        if not self.total:
            return None
        return round(max(0.0, min(1.0, self.progress / self.total)), 3)


def new_job_id() -> str:
    return names.unique_name("j", sep="")


class JobStore:
    """The jobs of one workspace: create, start, read, wait for and cancel them."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._secrets: dict[str, dict[str, Any]] = {}  # job id -> arguments kept off the disk

    # -- paths and files -------------------------------------------------------------------

    def folder(self, job_id: str) -> Path:
        import re

        if not re.fullmatch(JOB_ID, job_id):  # `$` alone lets a trailing newline through
            raise JobNotFound(f"job_id {job_id!r} is not a job id (like j20261128-021500-a1b2c3)")
        return self.workspace.writable(JOBS / job_id)

    def _read(self, job_id: str, name: str) -> dict[str, Any] | None:
        path = self.folder(job_id) / name
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        # a reader never sees a torn file (atomic writes); a hand-edited one, maybe
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def _write(self, job_id: str, name: str, data: dict[str, Any]) -> None:
        atomic_write(
            self.folder(job_id) / name, (json.dumps(data, default=str) + "\n").encode("utf-8")
        )

    def write_state(self, state: JobState) -> None:
        state.updated = time.time()
        if state.terminal and state.finished is None:
            state.finished = state.updated
        self._write(state.job_id, "state.json", asdict(state))

    def request(self, job_id: str) -> dict[str, Any]:
        data = self._read(job_id, "request.json")
        if data is None:
            raise JobNotFound(
                f"no job {job_id!r} in this workspace; ml_job_status() without job_id "
                "lists the jobs"
            )
        return data

    def result(self, job_id: str) -> dict[str, Any] | None:
        return self._read(job_id, "result.json")

    def write_result(self, job_id: str, result: dict[str, Any]) -> None:
        self._write(job_id, "result.json", result)

    # -- lifecycle -------------------------------------------------------------------------

    def create(self, tool: str, arguments: dict[str, Any]) -> JobState:
        """Record a job (`queued`); `start` launches it. A URL's password never reaches the
        disk: request.json shows it as ***, and `start` hands the runner the real value on its
        stdin."""
        job_id = new_job_id()
        self.workspace.ensure_dir(JOBS / job_id)
        shown, self._secrets[job_id] = split_secrets(arguments)
        self._write(job_id, "request.json", {"job_id": job_id, "tool": tool, "arguments": shown})
        state = JobState(job_id=job_id, tool=tool)
        self.write_state(state)
        return state

    def start(self, job_id: str) -> int:
        """Launch the runner in its own session, so it outlives this server and its client."""
        folder = self.folder(job_id)
        cmd = [
            sys.executable,
            "-P",  # the runner works in the workspace; `-m` alone puts it first on sys.path
            "-m",
            "mcp_server.entry.runner",
            "--workspace",
            str(self.workspace.root),
            job_id,
        ]
        secrets = self._secrets.pop(job_id, {})
        with open(folder / "log.txt", "ab") as log:
            proc = subprocess.Popen(
                cmd,
                cwd=self.workspace.root,
                stdin=subprocess.PIPE,  # the arguments kept off the disk (`create`), then EOF
                # the server's stdout is the MCP channel; the runner has none
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
                env=settings.child_env(
                    {settings.PYTHONUNBUFFERED: settings.PYTHONUNBUFFERED.default}
                ),
            )
        assert proc.stdin is not None
        with proc.stdin:
            proc.stdin.write(json.dumps(secrets).encode("utf-8"))
        # Why a reaper thread: a finished child stays a zombie (and looks alive) until waited for.
        threading.Thread(target=proc.wait, daemon=True, name=f"reap-{job_id}").start()
        self._write(job_id, "runner.pid", {"pid": proc.pid, "start": process_start(proc.pid)})
        return proc.pid

    def state(self, job_id: str) -> JobState:
        """The job's state; a job whose process died without a word is recorded as failed."""
        request = self.request(job_id)
        data = self._read(job_id, "state.json") or {"job_id": job_id, "tool": request["tool"]}
        state = JobState(**{k: v for k, v in data.items() if k in JobState.__dataclass_fields__})
        if not state.terminal and not self.alive(job_id) and self._started_long_ago(state):
            state.state, state.error = (
                "failed",
                (
                    "the job process stopped without a result (killed, out of memory, or "
                    "the machine restarted); "
                    f"see {JOBS.as_posix()}/{job_id}/log.txt, then start the tool again"
                ),
            )
            state.message = "process gone"
            self.write_state(state)
        return state

    def _started_long_ago(self, state: JobState) -> bool:
        # A runner that has not yet written its pid file is starting, not dead.
        return (
            self._read(state.job_id, "runner.pid") is not None or time.time() - state.created > 30
        )

    def alive(self, job_id: str) -> bool:
        info = self._read(job_id, "runner.pid")
        if not info:
            return False
        pid = int(info.get("pid") or 0)
        return pid > 0 and process_alive(pid, info.get("start"))

    def list(self, limit: int = 20) -> list[JobState]:
        base = self.workspace.root / JOBS
        if not base.is_dir():
            return []
        ids = sorted((p.name for p in base.iterdir() if p.is_dir()), reverse=True)[:limit]
        states = []
        for job_id in ids:
            with contextlib.suppress(MoaiMlError):
                states.append(self.state(job_id))
        return states

    def cancel(self, job_id: str) -> JobState:
        """Stop the job: SIGTERM lets the runner cancel cleanly (staging deleted, runs undone);
        past the grace period the whole process group is killed."""
        state = self.state(job_id)
        if state.terminal:
            return state
        info = self._read(job_id, "runner.pid") or {}
        pid = int(info.get("pid") or 0)
        if pid and process_alive(pid, info.get("start")):
            # The runner alone first: it stops its own children cleanly; its whole group only if it
            # will not.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + CANCEL_GRACE_S
            while time.monotonic() < deadline and process_alive(pid, info.get("start")):
                time.sleep(0.1)
            if process_alive(pid, info.get("start")):
                _signal_group(pid, signal.SIGKILL)
        state = self.state(job_id)
        if not state.terminal or state.state == "failed":
            state.state, state.error, state.message = (
                "cancelled",
                None,
                "cancelled by ml_job_cancel",
            )
            self.write_state(state)
        return state


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(
            pid, sig
        )  # the runner leads its own group: its pytest and worker children stop too
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


class JobProgress:
    """Stands in for the MCP `Context` inside a job: `report_progress` writes `state.json`."""

    def __init__(self, store: JobStore, state: JobState) -> None:
        self.store, self.state = store, state
        self._last = 0.0

    async def report_progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        self.state.progress = float(progress)
        self.state.total = total if total is not None else self.state.total
        if message:
            self.state.message = message[:300]
        now = time.monotonic()
        if now - self._last >= PROGRESS_EVERY_S:
            self._last = now
            with contextlib.suppress(OSError):  # progress is best effort; the result is what counts
                await anyio.to_thread.run_sync(self.store.write_state, self.state)


# Set while a job runs (in the job's own process); tools/_background.py hands it to the tool as its
# `ctx`.
CURRENT: contextvars.ContextVar[JobProgress | None] = contextvars.ContextVar(
    "moai_ml_job", default=None
)
