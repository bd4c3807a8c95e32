"""Glue shared by the tool modules: run domain work off the event loop, turn errors into results."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.lowlevel
import anyio.to_thread
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

from mcp_server.core import layout
from mcp_server.core.errors import MoaiMlError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.tracking.runs import RunStore, get_store
from mcp_server.processes import subprocesses
from mcp_server.processes.child import Job, Target, run_job

T = TypeVar("T")
log = logging.getLogger("moai_ml")

READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
WRITES_FILES = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
CREATES_RUNS = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)


async def run_domain(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run CPU-bound domain work in a worker thread so the server keeps answering.

    Anticipated failures (`MoaiMlError`) reach the client with their message; anything else is
    a crash, reported with a short message and logged with its traceback on stderr.
    """
    group = subprocesses.Group()

    def call() -> T:
        # Why a group per call: on cancel the thread is abandoned; its subprocesses are not.
        subprocesses.CURRENT.set(group)
        return fn(*args, **kwargs)

    try:
        return await anyio.to_thread.run_sync(
            contextvars.copy_context().run, call, abandon_on_cancel=True
        )
    except anyio.get_cancelled_exc_class():
        group.cancel()
        raise
    except MoaiMlError as exc:
        raise ToolError(str(exc)) from exc
    except MemoryError as exc:
        raise ToolError("out of memory: sample the data or use fewer columns") from exc


# -- long jobs: staging, progress, tracking ------------------------------------------------


def store_dir(workspace: Workspace, rel: str | Path) -> Path:
    """A folder of the run store, created inside the workspace (a symlink leading out is a tool
    error)."""
    try:
        return workspace.ensure_dir(rel)
    except MoaiMlError as exc:  # called outside run_domain: make it a clear tool error here
        raise ToolError(str(exc)) from exc


@contextlib.contextmanager
def staging(workspace: Workspace) -> Iterator[Path]:
    """A private scratch folder for one job; always deleted, so a stopped job leaves nothing."""
    base = store_dir(workspace, layout.SCRATCH)
    path = Path(tempfile.mkdtemp(prefix="job-", dir=base))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def progress_reporter(ctx: Context | None, total: float) -> Callable[[float, str], Awaitable[None]]:
    async def report(step: float, message: str) -> None:
        if ctx is not None:
            with contextlib.suppress(Exception):  # a client that went away must not fail the job
                await ctx.report_progress(min(step, total), total, message)

    return report


def run_ref(workspace: Workspace, ref: str) -> str:
    """A run id, or the run behind `models:/name@alias` / `models:/name/N` (the one resolver)."""
    from mcp_server.ml.tracking.model_registry import resolve_run_id

    return resolve_run_id(get_store(workspace), ref)


def run_store(workspace: Workspace) -> RunStore:
    """The workspace's run store (one MLflow client per workspace and tracking URI)."""
    return get_store(workspace)


async def record_runs(write: Callable[[], T], undo: Callable[[T], None]) -> T:
    """Write runs in a worker thread that cancellation cannot interrupt halfway; if the caller was
    cancelled meanwhile, `undo` what was written (delete the runs), so a cancelled call leaves no
    run behind."""
    with anyio.CancelScope(shield=True):
        written = await run_domain(write)
    try:
        await anyio.lowlevel.checkpoint()
    except anyio.get_cancelled_exc_class():
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(undo, written)
        raise
    return written


async def run_job_tool(
    target: Target,
    payload: Any,
    *,
    budget_s: float,
    ctx: Context | None,
    total: float,
    what: str,
    job: Job | None = None,
) -> Any:
    """`jobs.run_job` with MCP progress, turning anticipated failures into tool errors."""
    try:
        return await run_job(
            target,
            payload,
            budget_s=budget_s,
            progress=progress_reporter(ctx, total),
            job=job,
            what=what,
        )
    except MoaiMlError as exc:
        raise ToolError(str(exc)) from exc
