"""`ml_job_status` and `ml_job_cancel`: follow and stop tools started with `background: true`."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, ImageContent, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from mcp_server.files.workspace import Workspace
from mcp_server.processes.background import JOB_ID, JobState, JobStore
from mcp_server.tools._common import READ_ONLY, run_domain

MAX_WAIT_S = 50.0
POLL_S = 0.5
NOTIFY_S = 2.0
LISTED = 10
State = Literal["queued", "running", "done", "failed", "cancelled"]
JobId = Annotated[
    str, Field(pattern=JOB_ID, max_length=40, description="Job id returned by a background call")
]
STOPS_JOB = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False
)


class JobBrief(BaseModel):
    job_id: str = Field(description="Job id")
    tool: str = Field(description="Tool the job runs")
    state: State = Field(description="Where the job is")
    elapsed_s: float = Field(description="Seconds since it was started (until it ended)")


class JobStatus(BaseModel):
    job_id: str | None = Field(description="The job (None when listing)")
    tool: str | None = Field(description="Tool the job runs")
    state: State | None = Field(description="queued | running | done | failed | cancelled")
    progress: float | None = Field(description="Share done, 0 to 1, when the tool reports a total")
    message: str = Field(description="The tool's last progress message, or why the job ended")
    elapsed_s: float | None = Field(description="Seconds since the job started (until it ended)")
    result: dict[str, Any] | None = Field(
        description="When done: the tool's result, the same as the inline call's"
    )
    error: str | None = Field(description="When failed: what went wrong")
    jobs: list[JobBrief] = Field(
        description="Without job_id: the latest jobs of this workspace, newest first"
    )
    next_step: str = Field(description="The call to make next")


class CancelResult(BaseModel):
    job_id: str = Field(description="The job")
    state: State = Field(description="Its state now (cancelled, or how it had already ended)")
    message: str = Field(description="What happened")
    next_step: str = Field(description="The call to make next")


def _next(state: JobState, result: dict[str, Any] | None) -> str:
    if state.state in ("queued", "running"):
        return (
            f"ml_job_status(job_id='{state.job_id}', wait_s=50) again; "
            f"ml_job_cancel(job_id='{state.job_id}') stops it"
        )
    if state.state == "done":
        step = (result or {}).get("next_step")
        return str(step) if step else "Done: use the result."
    if state.state == "failed":
        return f"Fix what `error` says, then call {state.tool} again."
    return f"Call {state.tool} again when you want it run."


def status_of(store: JobStore, state: JobState) -> CallToolResult:
    """The job's status; once done, with the images its tool returned (plots), as inline."""
    stored = store.result(state.job_id) if state.state in ("done", "failed") else None
    result = (stored or {}).get("structuredContent") if state.state == "done" else None
    status = _status(state, result)
    images = [
        ImageContent.model_validate(block)
        for block in ((stored or {}).get("content") or [] if result is not None else [])
        if isinstance(block, dict) and block.get("type") == "image"
    ]
    return CallToolResult(
        content=[TextContent(type="text", text=status.model_dump_json()), *images],
        structured_content=status.model_dump(mode="json"),
    )


def _status(state: JobState, result: dict[str, Any] | None) -> JobStatus:
    return JobStatus(
        job_id=state.job_id,
        tool=state.tool,
        state=state.state,  # type: ignore[arg-type]
        progress=state.fraction,
        message=state.message,
        elapsed_s=state.elapsed_s,
        result=result,
        error=state.error,
        jobs=[],
        next_step=_next(state, result),
    )


def listing(store: JobStore) -> JobStatus:
    jobs = [
        JobBrief(job_id=s.job_id, tool=s.tool, state=s.state, elapsed_s=s.elapsed_s)  # type: ignore[arg-type]
        for s in store.list(LISTED)
    ]
    return JobStatus(
        job_id=None,
        tool=None,
        state=None,
        progress=None,
        elapsed_s=None,
        result=None,
        error=None,
        jobs=jobs,
        message=f"{len(jobs)} job(s), newest first" if jobs else "no jobs in this workspace yet",
        next_step=f"ml_job_status(job_id='{jobs[0].job_id}') for the newest job"
        if jobs
        else "Start a long tool with background=true.",
    )


async def wait_for(store: JobStore, job_id: str, wait_s: float, ctx: Context | None) -> JobState:
    """The job's state once it has ended or `wait_s` has passed; progress notifications
    meanwhile."""
    deadline = time.monotonic() + min(wait_s, MAX_WAIT_S)
    last_note = time.monotonic()
    while True:
        state = await run_domain(store.state, job_id)
        if state.terminal or time.monotonic() >= deadline:
            return state
        if ctx is not None and time.monotonic() - last_note >= NOTIFY_S:
            last_note = time.monotonic()
            try:
                await ctx.report_progress(
                    state.fraction or 0.0, 1.0, f"{state.tool}: {state.message}"[:200]
                )
            except Exception:  # noqa: S110 - a client that stopped listening must not end the wait
                pass
        await anyio.sleep(POLL_S)


def register(server: MCPServer, workspace: Workspace) -> None:
    store = JobStore(workspace)

    @server.tool(annotations=READ_ONLY, title="Follow a background job")
    async def ml_job_status(
        job_id: Annotated[
            str | None,
            Field(
                pattern=JOB_ID,
                max_length=40,
                description="Job id from a background call; omit to list jobs",
            ),
        ] = None,
        wait_s: Annotated[
            float,
            Field(
                ge=0, le=MAX_WAIT_S, description="Wait up to this many seconds for the job to end"
            ),
        ] = 0,
        ctx: Context | None = None,
    ) -> Annotated[CallToolResult, JobStatus]:
        """State, progress and result of a job started by a long tool with background=true (or by a
        call whose estimate exceeded ~50 s). With wait_s it waits up to that long for the job to
        end, sending progress notifications meanwhile. When done, `result` is exactly what the
        inline call returns. Jobs outlive the client: after a reconnect, call it with the same
        job_id (or without one to list the latest jobs). Results are kept under
        .moai/ml/jobs/<job_id>/."""
        if job_id is None:
            listed = await run_domain(listing, store)
            return CallToolResult(
                content=[TextContent(type="text", text=listed.model_dump_json())],
                structured_content=listed.model_dump(mode="json"),
            )
        state = await wait_for(store, job_id, wait_s, ctx)
        return await run_domain(status_of, store, state)

    @server.tool(annotations=STOPS_JOB, title="Cancel a background job")
    async def ml_job_cancel(job_id: JobId) -> CancelResult:
        """Stop a background job. The job's process is asked to stop first, so it cancels the way an
        interrupted inline call does: its worker process is killed, its staging folder deleted and
        any MLflow run it was recording removed, so nothing half-written is left; after 15 s the
        whole process group is killed. A job that already ended is left as it is."""
        state = await run_domain(store.cancel, job_id)
        message = (
            state.message
            if state.state == "cancelled"
            else f"the job had already ended ({state.state})"
        )
        step = (
            f"Call {state.tool} again when you want it run."
            if state.state == "cancelled"
            else _next(state, None)
        )
        return CancelResult(job_id=job_id, state=state.state, message=message, next_step=step)  # type: ignore[arg-type]
