"""Subprocesses started on behalf of one tool call, so cancelling the call stops all of them.

Why: domain work runs in a worker thread, and a thread cannot be stopped; when the client
cancels, the tool returns at once but the thread (and the pytest it started) would run on,
write files and log a run. The tool layer gives each call a `Group`; `run` starts every
subprocess in its own session inside that group; `Group.cancel` kills them all and makes the
abandoned thread's next `run` or `check` raise, so it writes nothing more.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import signal
import subprocess
import threading
from dataclasses import dataclass
from typing import Any

from mcp_server.core.errors import MoaiMlError

CURRENT: contextvars.ContextVar[Group | None] = contextvars.ContextVar(
    "moai_ml_children", default=None
)


@dataclass
class _ThisProcess:
    """Whether this process is a job process (`processes.child`): it starts subprocesses in its
    own process group, killed with it, and runs stop hooks; the server starts each one in a
    session of its own."""

    is_job: bool = False


_THIS_PROCESS = _ThisProcess()


def join_the_jobs_group() -> None:
    """Called by a job process (`processes.child`), the leader of its own process group: the
    subprocesses it starts from then on (a TDD phase's pytest) stay in that group, so killing the
    job kills them too; in the server each one leads a session of its own (its `Group` kills it)."""
    _THIS_PROCESS.is_job = True


def in_job() -> bool:
    """True in a job process, once it joined its group (`join_the_jobs_group`)."""
    return _THIS_PROCESS.is_job


class Cancelled(MoaiMlError):
    """The tool call was cancelled; the work it started stops here."""


class Group:
    """The live subprocesses of one tool call, and whether the call was cancelled."""

    def __init__(self) -> None:
        self.cancelled = False
        self.procs: set[subprocess.Popen[Any]] = set()
        self.lock = threading.Lock()

    def cancel(self) -> None:
        with self.lock:
            self.cancelled = True
            procs = list(self.procs)
        for proc in procs:
            _kill_tree(proc)


def _kill_tree(proc: subprocess.Popen[Any]) -> None:
    # The child leads its own session, so its process group holds everything it started.
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        proc.kill()


def check() -> None:
    """Raise `Cancelled` if the current tool call was cancelled (call before writing anything)."""
    group = CURRENT.get()
    if group is not None and group.cancelled:
        raise Cancelled(
            "the call was cancelled; nothing more was written: call it again "
            "(background=true, where the tool takes it, runs it as a job ml_job_status follows)"
        )


def run(args: list[str], *, timeout: float, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """`subprocess.run(args, capture_output=True, text=True)` that a cancellation or the timeout
    stops together with every process it started (raises `subprocess.TimeoutExpired` on timeout)."""
    group = CURRENT.get()
    check()
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=not _THIS_PROCESS.is_job,
        **kwargs,
    )
    if group is not None:
        with group.lock:
            group.procs.add(proc)
            late = group.cancelled
        if late:
            _kill_tree(proc)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_tree(proc)
        proc.communicate()
        raise
    finally:
        if group is not None:
            with group.lock:
                group.procs.discard(proc)
    check()
    return subprocess.CompletedProcess(args, proc.returncode, out, err)
