"""How a job reports progress: `progress(step, message, event=None)`.

In a job process `mcp_server.processes.child` passes a sink that sends each call to the server (an
`event`
reaches the caller's `Job.events`, so finished pieces survive a stopped job); direct in-process
calls (the CLI, tests) use `no_progress`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Progress = Callable[..., None]


def no_progress(step: float, message: str, event: Any = None) -> None:
    """Progress sink for direct (in-process) calls: drops every report."""


__all__ = ["Progress", "no_progress"]
