"""moai-domain-ml: a Claude Code skill backed by an MCP server for test-first machine learning."""

__version__ = "0.1.0"
