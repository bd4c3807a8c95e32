"""Long CPU-bound work in a child process: killable, time-boxed, reporting progress.

Why a process and not a thread: a thread running `estimator.fit` cannot be stopped, so neither
a cancellation nor a time budget could really stop the work. A child process can be killed,
and it leaves nothing behind because it only ever writes into a staging directory that the
caller owns and deletes.

Children are forked from a forkserver that has already imported numpy, pandas, scikit-learn,
matplotlib and MLflow (`mcp_server.ml.fitting.warm`), so a warm server starts a job in
milliseconds. A job's target is a function object (`train_job`, not a "module:function" string):
it reaches the child pickled by reference, so a moved target fails where it is named, at import.
The event loop only polls the pipe, so the server keeps answering other requests.

A job is stopped (cancelled, or past its budget) with SIGTERM, its stop hooks run
(`processes.stopping`), then its whole process group is killed.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import anyio
import anyio.to_thread

from mcp_server.core import settings
from mcp_server.core.errors import DataError, MoaiMlError
from mcp_server.processes import subprocesses
from mcp_server.processes.stopping import STOP_GRACE_S
from mcp_server.safety.guards import show

# The forkserver's preload list takes module names; tests/test_jobs.py proves this one imports.
PRELOAD = ["mcp_server.ml.fitting.warm"]
POLL_S = 0.25
HEARTBEAT_S = 2.0

ProgressFn = Callable[[float, str], Awaitable[None]]
Target = Callable[[Any, Callable[..., None]], Any]  # target(payload, progress) -> result


class JobTimeout(MoaiMlError):
    """The job ran past its time budget and was stopped."""


class JobCrashed(MoaiMlError):
    """The child process died without a result (killed, out of memory, a native crash)."""


@dataclass
class _Threads:
    """Whether this process's native thread pools are limited already (`limit_threads`)."""

    limited: bool = False


_THREADS = _Threads()


@dataclass
class Job:
    """What a caller learns while a job runs: the last phase, and any events the child sent."""

    target: str  # what runs, for people: "compare", "mcp_server.ml.fitting.training.train_job"
    phase: str = "starting"
    step: float = 0.0
    events: list[Any] = field(default_factory=list)


@lru_cache(maxsize=1)
def _context() -> Any:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def _child(conn: Any, target: Target, payload: Any) -> None:
    # Why: the server's stdout is the MCP stdio channel; a library that prints must not corrupt it.
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # Why: a new process group, so killing the job also kills any helper process a library forked.
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    subprocesses.join_the_jobs_group()
    if not _THREADS.limited:  # the forkserver limited them once (`limit_threads`)
        limit_threads()

    def progress(step: float, message: str, event: Any = None) -> None:
        conn.send(("progress", step, message, event))

    try:
        conn.send(("done", target(payload, progress)))
    except MoaiMlError as exc:
        conn.send(("error", _portable(exc)))
    except MemoryError:
        conn.send(("error", DataError("out of memory: sample the data or use fewer columns")))
    except BaseException:
        conn.send(("crash", traceback.format_exc(limit=20)))
    finally:
        conn.close()


def limit_threads() -> None:
    """One native (OpenMP/BLAS) thread per job unless MOAI_ML_THREADS says otherwise; called once
    by the job forkserver (`ml/fitting/warm.py`), whose forked jobs inherit the limits with its
    memory and environment (threadpoolctl's look through the loaded libraries costs 15 ms of CPU
    per process), else by each job.

    Why: jobs of concurrent requests already run side by side, and on small machines OpenMP
    threads cost more than they give (HistGradientBoosting on 100k rows, 2 vCPUs: 3.2 s with two
    threads, 1.4 s with one).
    """
    from threadpoolctl import threadpool_limits

    threads = settings.threads()
    threadpool_limits(limits=threads)
    settings.OMP_NUM_THREADS.set(str(threads))
    _THREADS.limited = True


def _start(target: Target, payload: Any) -> tuple[Any, Any]:
    ctx = _context()
    parent_conn, child_conn = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child_conn, target, payload), daemon=True)
    proc.start()
    child_conn.close()
    return proc, parent_conn


def _kill(proc: Any) -> None:
    """SIGTERM to the job (its stop hooks run, `on_stop`), then SIGKILL to its process group."""
    if proc.pid is None:
        return
    if proc.is_alive():
        with contextlib.suppress(OSError, ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        proc.join(timeout=STOP_GRACE_S)
    for kill in (lambda: os.killpg(proc.pid, signal.SIGKILL), proc.kill):
        with contextlib.suppress(OSError, ProcessLookupError):
            kill()
    proc.join(timeout=5)


def _portable(exc: MoaiMlError) -> MoaiMlError:
    """The error itself when it survives pickling (its class, wherever it is defined, reaches the
    caller), else a plain `MoaiMlError` with the same message."""
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own bytes, made one line above
    except Exception:
        return MoaiMlError(str(exc))
    return exc


def _raise_for(message: tuple[Any, ...]) -> None:
    if message[0] == "error":
        raise message[1]
    # Why not the traceback: it names server paths and library internals; it goes to the log.
    trace = str(message[1])
    logging.getLogger("moai_ml").error("job failed unexpectedly:\n%s", trace[-5000:])
    last = next(
        (line.strip() for line in reversed(trace.splitlines()) if line.strip()), "an unknown error"
    )
    raise JobCrashed(
        f"the worker failed unexpectedly ({show(last, 160)}); the traceback is in the server "
        "log (the stderr of moai-ml mcp)"
    )


class _Watch:
    """The parent's side of one running job: progress bookkeeping and message handling."""

    def __init__(self, job: Job, progress: ProgressFn | None, what: str) -> None:
        self.job, self.progress, self.what = job, progress, what
        self.started = self.last = time.monotonic()
        self.reported = -1.0

    async def report(self, step: float, message: str) -> None:
        # MCP progress must grow with every notification.
        self.reported = max(step, self.reported + 0.001)
        if self.progress is not None:
            await self.progress(self.reported, message)

    async def handle(self, proc: Any, conn: Any) -> tuple[bool, Any]:
        """Read one message: (True, result) when the job is done, else (False, None)."""
        try:
            message = conn.recv()
        except EOFError:
            proc.join(timeout=5)
            raise JobCrashed(_death_note(proc.exitcode, self.what)) from None
        if message[0] == "done":
            return True, message[1]
        if message[0] != "progress":
            _raise_for(message)
        _, self.job.step, self.job.phase, event = message
        if event is not None:
            self.job.events.append(event)
        self.last = time.monotonic()
        await self.report(self.job.step, self.job.phase)
        return False, None

    async def heartbeat(self, now: float) -> None:
        """During a long phase: creep towards the next step without reaching it."""
        if now - self.last >= HEARTBEAT_S:
            self.last = now
            self.job.step += (1.0 - (self.job.step % 1.0)) * 0.1
            await self.report(self.job.step, f"{self.job.phase} ({now - self.started:.0f} s)")


async def run_job(
    target: Target,
    payload: Any,
    *,
    budget_s: float,
    progress: ProgressFn | None = None,
    job: Job | None = None,
    what: str = "the job",
) -> Any:
    """Run `target(payload, progress)` in a child; return its result.

    Raises `JobTimeout` past `budget_s`, the child's own `MoaiMlError` subclass on anticipated
    failures, `JobCrashed` otherwise. Cancelling the caller kills the child at once.
    """
    watch = _Watch(job or Job(f"{target.__module__}.{target.__qualname__}"), progress, what)
    deadline = watch.started + budget_s
    proc, conn = await anyio.to_thread.run_sync(_start, target, payload)
    try:
        while True:
            if await anyio.to_thread.run_sync(conn.poll, POLL_S):
                done, result = await watch.handle(proc, conn)
                if done:
                    return result
            elif not proc.is_alive():
                # Why drain: the child may have sent its result and exited between the poll timing
                # out and this check; what it sent is still in the pipe and must not be lost.
                return await _drain(watch, proc, conn)
            now = time.monotonic()
            if now > deadline:
                raise JobTimeout(
                    f"{what} did not finish within its time budget of {budget_s:g} s "
                    f"(it was {watch.job.phase}); it was stopped and nothing was recorded. Raise "
                    "time_budget_s, use a faster model or smaller params, or sample the data."
                )
            await watch.heartbeat(now)
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_kill, proc)
            conn.close()


async def _drain(watch: _Watch, proc: Any, conn: Any) -> Any:
    """The child has exited: read what it left in the pipe; its result, or why there is none."""
    while conn.poll(0):
        done, result = await watch.handle(proc, conn)
        if done:
            return result
    proc.join(timeout=5)
    raise JobCrashed(_death_note(proc.exitcode, watch.what))


def _death_note(exitcode: int | None, what: str) -> str:
    if exitcode is not None and exitcode < 0 and -exitcode == signal.SIGKILL:
        return (
            f"{what} was killed (SIGKILL), most likely by the out-of-memory killer; sample the data"
        )
    return f"{what} stopped without a result (exit code {exitcode})"
