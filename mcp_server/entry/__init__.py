"""Entry points: the MCP server, its transports, the command line, install and the demo."""

__all__ = ["cli", "demo", "install", "server", "transport"]
