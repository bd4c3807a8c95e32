"""`python -m mcp_server.entry.runner --workspace ROOT JOB_ID`: run one background job to its
end.

The job store (`mcp_server.processes.background`) starts this in its own process session. It builds
the same
server the client talks to and calls the tool in-process with `background=false`, so a job's
result is exactly the inline call's result. Progress goes to the job's `state.json` instead of
MCP notifications. SIGTERM (`ml_job_cancel`) cancels the call the way a client's cancellation
does: the tool's child process is killed, its staging folder deleted and runs it recorded are
undone; then the state says `cancelled`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from typing import Any

import anyio

from mcp_server.files.workspace import Workspace
from mcp_server.processes.background import CURRENT, JobProgress, JobState, JobStore


def _error_text(exc: BaseException) -> str:
    text = str(exc)
    prefix = "Error executing tool "
    if text.startswith(prefix) and ": " in text:
        text = text.split(": ", 1)[1]
    return text or type(exc).__name__


STOPPING: dict[str, bool] = {
    "requested": False
}  # set on SIGTERM: whatever the call returns then is not kept


async def _call(store: JobStore, state: JobState, request: dict[str, Any]) -> None:
    from mcp.server.mcpserver.exceptions import ToolError
    from mcp.types import CallToolResult, TextContent

    from mcp_server.entry.server import build_server

    server = build_server(store.workspace.root)
    token = CURRENT.set(JobProgress(store, state))
    try:
        result = await server.call_tool(
            request["tool"], {**request["arguments"], "background": False}
        )
    except ToolError as exc:
        if STOPPING["requested"]:
            return  # the tool failed because it was being stopped: a cancellation, not a result
        message = _error_text(exc)
        store.write_result(
            state.job_id,
            CallToolResult(
                content=[TextContent(type="text", text=message)], is_error=True
            ).model_dump(mode="json", by_alias=True, exclude_none=True),
        )
        state.state, state.error, state.message = "failed", message, "failed"
        return
    finally:
        CURRENT.reset(token)
    from mcp_server.tools._middleware import compact

    # Stored as the wire would carry it: a short summary as text, the data as structured content.
    if STOPPING["requested"]:
        return
    dumped = compact(
        request["tool"], result.model_dump(mode="json", by_alias=True, exclude_none=True)
    )
    store.write_result(state.job_id, dumped)
    state.state, state.message = ("failed", "failed") if dumped.get("isError") else ("done", "done")
    if state.total:
        state.progress = state.total


def _secret_arguments() -> dict[str, Any]:
    """The arguments the server kept off the disk (a URL with its password), from stdin."""
    import json

    try:
        data = json.loads(sys.stdin.read() or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


async def run(workspace: Workspace, job_id: str) -> JobState:
    store = JobStore(workspace)
    request = store.request(job_id)
    request["arguments"] = {**request["arguments"], **_secret_arguments()}
    state = store.state(job_id)
    if state.terminal:
        return state
    state.state, state.message = "running", "starting"
    store.write_state(state)
    with anyio.CancelScope() as scope:
        async with anyio.create_task_group() as tg:

            async def stop_on_sigterm() -> None:
                with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
                    async for _ in signals:
                        STOPPING["requested"] = True
                        scope.cancel()
                        return

            tg.start_soon(stop_on_sigterm)
            try:
                await _call(store, state, request)
            except Exception as exc:  # a crash of the tool itself: record it, never lose the job
                state.state, state.error, state.message = (
                    "failed",
                    f"the job crashed: {_error_text(exc)}",
                    "crashed",
                )
            tg.cancel_scope.cancel()
    if (scope.cancelled_caught or STOPPING["requested"]) and state.state != "done":
        state.state, state.message = "cancelled", "cancelled by ml_job_cancel; nothing was recorded"
    store.write_state(state)
    return state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mcp_server.entry.runner")
    parser.add_argument("--workspace", required=True)
    parser.add_argument("job_id")
    args = parser.parse_args(argv)
    from mcp_server.core import settings
    from mcp_server.safety.isolation import keep_workspace_off_sys_path

    keep_workspace_off_sys_path()  # the job's forkserver and children inherit safe-path mode

    settings.MLFLOW_LOGGING_LEVEL.set_default()
    # Why: nothing of a job may print where a parent could mistake it for protocol output.
    sys.stdout = sys.stderr
    state = anyio.run(run, Workspace(args.workspace), args.job_id)
    # only when we lead our own group
    if state.state == "cancelled" and os.getpgid(0) == os.getpid():
        # Threads of an abandoned domain call may still hold a pytest subprocess: end the whole
        # group.
        with contextlib.suppress(OSError):
            os.killpg(os.getpgid(0), signal.SIGKILL)
    return 0 if state.state == "done" else 1


if __name__ == "__main__":
    sys.exit(main())
