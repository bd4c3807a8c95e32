"""`python -m mcp_server` serves the MCP server (same options as `moai-ml mcp`)."""

import sys

# Why first, before any other import: `python -m mcp_server` run in a project puts the project
# first on sys.path, and the next import (argparse, anyio, ...) could come from it.
from mcp_server.safety.isolation import keep_workspace_off_sys_path

keep_workspace_off_sys_path()

from mcp_server.entry.cli import main  # noqa: E402 - after the workspace left sys.path

if __name__ == "__main__":
    sys.exit(main(["mcp", *sys.argv[1:]]))
