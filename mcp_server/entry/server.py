"""Build the MCP server: thin glue that registers each capability's tools."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from pydantic import ValidationError

from mcp_server import __version__
from mcp_server.files.workspace import Workspace
from mcp_server.tools import (
    batch_score,
    card,
    compare,
    evaluate,
    export,
    jobs,
    monitoring,
    performance,
    profile,
    registry,
    runs,
    scaffolds,
    serving,
    tdd,
    train,
    tune,
)
from mcp_server.tools._middleware import install as install_middleware
from mcp_server.tools.tasks_ext import TasksExtension

INSTRUCTIONS = """\
moai-ml does test-first machine learning inside this workspace. Start with ml_profile_data on
the table, then follow the SPEC (.moai/specs/SPEC-<ID>/spec.md). All paths are relative to the
workspace root; paths outside it are refused. Results are compact; details live in files whose
paths the results give."""

REGISTRARS = (
    profile.register,
    train.register,
    evaluate.register,
    compare.register,
    runs.register,
    tdd.register,
    export.register,
    serving.register,
    jobs.register,
    scaffolds.register,
    monitoring.register,
    performance.register,
    card.register,
    registry.register,
    tune.register,
    batch_score.register,
)


class MoaiServer(MCPServer):
    """The SDK's server, with every anticipated tool error on one short line.

    Why: pydantic's validation errors span several lines and echo the rejected value (which
    can be megabytes of the caller's data); an agent acts best on one line naming the field.
    """

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context | None = None
    ) -> Any:
        # Unknown argument names never get here: the tools/call middleware refuses them first
        # (tools/_arguments.py, with the closest valid name).
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError:
            raise
        except ToolError as exc:
            raise ToolError(one_line(exc)) from exc.__cause__


def one_line(exc: ToolError) -> str:
    """The error as one line of at most `ERROR_CHARS` characters, its end (the fix) never cut;
    validation errors as `field: problem`."""
    cause = exc.__cause__
    if isinstance(cause, ValidationError):
        problems = [
            f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in cause.errors()[:3]
        ]
        more = f" (and {cause.error_count() - 3} more)" if cause.error_count() > 3 else ""
        text = "invalid arguments: " + "; ".join(problems) + more
    else:
        text = str(exc).removeprefix("Error executing tool ").partition(": ")[2] or str(exc)
    return shortened(" ".join(text.split()))


ERROR_CHARS = 500
_TAIL_CHARS = 300


def shortened(text: str) -> str:
    """At most `ERROR_CHARS`, cut in the middle: a refusal ends with its fix (`...; pass
    allow_failed_gates=true`), so the end is kept whole and the reason before it is shortened."""
    if len(text) <= ERROR_CHARS:
        return text
    head = ERROR_CHARS - _TAIL_CHARS - 5
    return f"{text[:head].rstrip()} ... {text[-_TAIL_CHARS:].lstrip()}"


def build_server(workspace_root: str | os.PathLike[str] | None = None) -> MCPServer:
    """A server whose tools are confined to `workspace_root` (default: the current directory)."""
    workspace = Workspace(Path(workspace_root) if workspace_root else Path.cwd())
    server: MCPServer = MoaiServer(
        name="moai-ml",
        title="moai-domain-ml",
        instructions=INSTRUCTIONS,
        version=__version__,
        log_level="WARNING",
        extensions=[TasksExtension(workspace)],  # the MCP Tasks extension over our background jobs
    )
    for register in REGISTRARS:
        register(server, workspace)
    install_middleware(server)
    return server
