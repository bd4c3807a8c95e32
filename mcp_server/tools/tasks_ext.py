"""The MCP Tasks extension (`io.modelcontextprotocol/tasks`, 2026-07-28) over our background jobs.

The installed SDK (mcp 2.3) has no Tasks implementation, but it has the extension interface
(SEP-2133: `mcp.server.extension.Extension`, per-request client capabilities, client-side result
claims). With it, a client that declares the Tasks extension gets the protocol's own form of a
job: where a long tool would answer with a job ticket (`background=true`, or an estimate over
~50 s), it answers with a `CreateTaskResult` (`resultType: "task"`) whose `taskId` is the job id;
`tasks/get` reports the job (with the tool's `CallToolResult` once completed), `tasks/cancel`
stops it, and `tasks/update` is acknowledged (our jobs never wait for input). Everything else
stays as it is; clients without the extension keep using `ml_job_status` / `ml_job_cancel`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from mcp.server.extension import Extension, MethodBinding
from mcp.types import CallToolResult
from mcp_types import RequestParams
from pydantic import ConfigDict, Field

from mcp_server.files.workspace import Workspace
from mcp_server.processes.background import JobNotFound, JobState, JobStore

TASKS = "io.modelcontextprotocol/tasks"
POLL_MS = 2000
STATUS = {"queued": "working", "running": "working", "done": "completed", "cancelled": "cancelled"}


class TaskParams(RequestParams):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")
    task_id: str = Field(alias="taskId", max_length=40)


class TaskUpdateParams(TaskParams):
    input_responses: dict[str, Any] | None = Field(default=None, alias="inputResponses")


def _iso(seconds: float | None) -> str:
    return (
        datetime.fromtimestamp(seconds or 0, tz=UTC)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z")
    )


def task_of(store: JobStore, state: JobState) -> dict[str, Any]:
    """The job as a Tasks `DetailedTask` (status-specific fields inlined)."""
    stored = store.result(state.job_id) if state.terminal else None
    status = STATUS.get(state.state, "failed")
    if state.state == "failed" and stored is not None:
        # a tool error is a completed task whose result has isError (the spec's rule)
        status = "completed"
    task: dict[str, Any] = {
        "taskId": state.job_id,
        "status": status,
        "statusMessage": state.error or state.message,
        "createdAt": _iso(state.created),
        "lastUpdatedAt": _iso(state.updated),
        "ttlMs": None,
        "pollIntervalMs": POLL_MS,
    }
    if status == "completed":
        task["result"] = stored
    elif status == "failed":
        task["error"] = {"code": -32603, "message": state.error or "the job failed"}
    return task


def _declared(ctx: Any) -> bool:
    capabilities = ctx.session.client_capabilities
    extensions = getattr(capabilities, "extensions", None) or {}
    return TASKS in extensions


class TasksExtension(Extension):
    identifier = TASKS

    def __init__(self, workspace: Workspace) -> None:
        self.store = JobStore(workspace)

    def methods(self) -> list[MethodBinding]:
        return [
            MethodBinding("tasks/get", TaskParams, self._get),
            MethodBinding("tasks/cancel", TaskParams, self._cancel),
            MethodBinding("tasks/update", TaskUpdateParams, self._update),
        ]

    async def _state(self, task_id: str) -> JobState:
        from mcp.shared.exceptions import MCPError

        try:
            return await anyio.to_thread.run_sync(self.store.state, task_id)
        except JobNotFound as exc:
            raise MCPError(code=-32602, message=str(exc)) from exc

    async def _get(self, ctx: Any, params: TaskParams) -> dict[str, Any]:
        state = await self._state(params.task_id)
        return {"resultType": "complete", **task_of(self.store, state)}

    async def _cancel(self, ctx: Any, params: TaskParams) -> dict[str, Any]:
        await self._state(params.task_id)
        await anyio.to_thread.run_sync(self.store.cancel, params.task_id)
        return {"resultType": "complete"}

    async def _update(self, ctx: Any, params: TaskUpdateParams) -> dict[str, Any]:
        await self._state(params.task_id)
        return {"resultType": "complete"}  # our jobs never ask for input: nothing to deliver

    async def intercept_tool_call(self, params: Any, ctx: Any, call_next: Any) -> Any:
        result = await call_next(ctx)
        structured = result.structured_content if isinstance(result, CallToolResult) else None
        if not structured or "job_state" not in structured or not _declared(ctx):
            return result
        state = await self._state(str(structured["job_id"]))
        return {"resultType": "task", **task_of(self.store, state)}
