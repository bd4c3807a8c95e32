"""Glue shared by the tool modules: run domain work off the event loop, turn errors into results."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

from mcp_server.errors import MoaiMlError

T = TypeVar("T")
log = logging.getLogger("moai_ml")

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
WRITES_FILES = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
CREATES_RUNS = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)


async def run_domain(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run CPU-bound domain work in a worker thread so the server keeps answering.

    Anticipated failures (`MoaiMlError`) reach the client with their message; anything else is
    a crash, reported with a short message and logged with its traceback on stderr.
    """
    try:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs), abandon_on_cancel=True)
    except MoaiMlError as exc:
        raise ToolError(str(exc)) from exc
    except MemoryError as exc:
        raise ToolError("out of memory: sample the data or use fewer columns") from exc
