"""Errors the domain layer raises on purpose.

Every message says what was wrong and what to do next. The tool layer turns these into MCP
`isError` results with the message intact; anything else is a crash and is logged with its
traceback on the server.
"""


class MoaiMlError(Exception):
    """A failure we anticipated: bad input, a refused path, an unmet precondition."""


class WorkspaceError(MoaiMlError):
    """A path or a write that the workspace rules refuse."""


class DataError(MoaiMlError):
    """A table that cannot be read or does not fit the request."""


class SpecError(MoaiMlError):
    """A SPEC that is missing, malformed or incomplete."""
