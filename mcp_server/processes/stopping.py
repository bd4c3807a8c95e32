"""What a job process does when it is stopped (cancelled, or past its budget).

`processes.child` stops a job with SIGTERM first: while a stop hook is registered (`on_stop`: a
Dask client releases its work so the cluster's workers are free for the next call) the job runs
it, for at most `STOP_GRACE_S`; then its whole process group is killed. Without a hook SIGTERM
ends the job at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

from mcp_server.processes import subprocesses

STOP_GRACE_S = 5.0  # what a stop hook may take before the job's process group is killed

_ON_STOP: list[Callable[[], None]] = []


@contextlib.contextmanager
def on_stop(hook: Callable[[], None]) -> Iterator[None]:
    """In a job process: while the block runs, a stop of the job (SIGTERM from `run_job`) runs
    `hook()` before the process ends (within `STOP_GRACE_S`; what it raises is ignored).
    Elsewhere (a test, the CLI) it does nothing."""
    if not subprocesses.in_job():  # only a job process runs stop hooks
        yield
        return
    _ON_STOP.append(hook)
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        yield
    finally:
        _ON_STOP.remove(hook)
        if not _ON_STOP:
            signal.signal(signal.SIGTERM, previous)


def _stop(signum: int, _frame: Any) -> None:
    """The hooks, newest first, in a thread of their own (the main thread may hold what they
    need), for at most the grace; then the process ends."""

    def run() -> None:
        for hook in reversed(list(_ON_STOP)):
            with contextlib.suppress(Exception):
                hook()

    worker = threading.Thread(target=run, daemon=True, name="moai-on-stop")
    worker.start()
    worker.join(STOP_GRACE_S - 1.0)
    os._exit(128 + signum)
