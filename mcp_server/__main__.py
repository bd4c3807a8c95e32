"""`python -m mcp_server` serves the MCP server (same options as `moai-ml mcp`)."""

import sys

from mcp_server.entry.cli import main

if __name__ == "__main__":
    sys.exit(main(["mcp", *sys.argv[1:]]))
