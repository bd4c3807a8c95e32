"""Build the MCP server: thin glue that registers each capability's tools."""

from __future__ import annotations

import os
from pathlib import Path

from mcp.server.mcpserver import MCPServer

from mcp_server import __version__
from mcp_server.tools import compare, evaluate, export, profile, runs, scaffolds, serving, tdd, train
from mcp_server.workspace import Workspace

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
    scaffolds.register,
)


def build_server(workspace_root: str | os.PathLike[str] | None = None) -> MCPServer:
    """A server whose tools are confined to `workspace_root` (default: the current directory)."""
    workspace = Workspace(Path(workspace_root) if workspace_root else Path.cwd())
    server: MCPServer = MCPServer(
        name="moai-ml",
        title="moai-domain-ml",
        instructions=INSTRUCTIONS,
        version=__version__,
        log_level="WARNING",
    )
    for register in REGISTRARS:
        register(server, workspace)
    return server
