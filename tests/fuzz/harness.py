"""The fuzz campaign: every tool of `tools/list`, schema-generated and hostile arguments, through
the SDK's stdio client against `python -m mcp_server`, with a verdict per call and a table.

Verdicts: success, clear error (one line, no traceback or server path, not the bare "Error
executing tool"), opaque error, crash (the server or the session died), hang (no answer within
the call's limit), escape (a path outside the workspace was read successfully, or the canary
directory changed).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.client.stdio import stdio_client

from tests.fuzz import corpus
from tests.support import error_text, server_params

KINDS = ("calls", "clear errors", "opaque errors", "crashes", "hangs", "escapes", "executions")
# The table of issue 23, from the campaign's own counts (a lost call is an attempt too).
COLUMNS = {
    "attempts": ("calls",),
    "clear": ("clear errors",),
    "opaque": ("opaque errors",),
    "crashes": ("crashes",),
    "escapes": ("escapes",),
    "executions": ("executions",),
    "lost": ("hangs", "lost"),
}
SERVER_PATHS = (
    "site-packages",
    "Traceback",
    'File "',
    str(Path(sys.prefix)),
    "/mcp_server/",
    "/usr/lib/python",
)


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    # Per tool: summed call time, calls answered and successes. With CONCURRENCY calls in flight
    # on shared cores a call's time includes its wait for the others: the sum is no CPU figure.
    seconds: Counter[str] = field(default_factory=Counter)
    answered: Counter[str] = field(default_factory=Counter)
    succeeded: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, tool: str, args: Any, detail: str = "") -> None:
        if kind != "executions":  # a marker found after the calls, not a call of its own
            self.counts["calls"] += 1
        if kind != "success":
            self.counts[kind] += 1
        if kind not in ("success", "clear errors"):
            self.examples.setdefault(kind, []).append(f"{tool}({_short(args)}): {detail[:300]!r}")

    def summary(self) -> dict[str, int]:
        """attempts / clear / opaque / crashes / escapes / executions / lost: a call is lost when
        it got no answer in its limit or was never answered because the server had died."""
        return {name: sum(self.counts[k] for k in kinds) for name, kinds in COLUMNS.items()}

    def table(self) -> str:
        summary = self.summary()
        lines = [
            "| " + " | ".join(summary) + " |",
            "|" + "|".join("-" * (len(name) + 2) for name in summary) + "|",
            "| " + " | ".join(f"{v:>{len(k)}}" for k, v in summary.items()) + " |",
        ]
        slowest = ", ".join(
            f"{tool} {s:.0f} s ({self.answered[tool]} calls, {self.succeeded[tool]} succeeded)"
            for tool, s in self.seconds.most_common(5)
        )
        lines.append(f"call time (summed, calls overlapping) of the slowest tools: {slowest}")
        for kind, found in self.examples.items():
            lines += [f"{kind}:", *(f"  {line}" for line in found[:15])]
        return "\n".join(lines)

    @property
    def failures(self) -> int:
        return sum(self.counts[kind] for kind in (*KINDS[2:], "lost"))

    def report(self, folder: Path) -> str:
        """The table, also written as JSON (summary and raw counts) to `folder`; its path said."""
        path = folder / "fuzz_table.json"
        data = {"summary": self.summary(), "counts": dict(self.counts)}
        path.write_text(json.dumps(data, indent=1), encoding="utf-8")
        return f"{self.table()}\n(written to {path})"

    def count_executions(self, root: Path) -> None:
        """Every EXECUTED marker a payload wrote anywhere under `root`: one execution each."""
        for found in root.rglob(corpus.EXECUTED):
            self.add("executions", "<marker>", {}, str(found))


def _short(args: Any) -> str:
    text = repr(args)
    return text if len(text) < 200 else text[:197] + "..."


def classify(result: Any) -> tuple[str, str]:
    if not result.is_error:
        return "success", ""
    text = error_text(result)
    opaque = (
        not text.strip()
        or "\n" in text.strip()
        or len(text) > 600
        or text.strip().startswith("Error executing tool")
        or any(marker in text for marker in SERVER_PATHS)
    )
    return ("opaque errors" if opaque else "clear errors"), text


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under `folder` (not following symlinks) with a hash of its content."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = "link:" + os.readlink(path)
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


class Session:
    """A stdio client that is reopened when the server dies (each death counted as a crash)."""

    def __init__(self, project: Path) -> None:
        self.project, self.stack, self.client = project, contextlib.AsyncExitStack(), None
        self.dead = False  # set by a call that saw the session die; the owning task reopens it

    async def open(self) -> Client:
        await self.stack.aclose()
        self.stack = contextlib.AsyncExitStack()
        params = server_params(self.project)
        params.env = {**(params.env or {}), "MOAI_ML_MAX_MEMORY_MB": "1500"}
        # The server's stderr (tracebacks of crashes it logs) goes to a file beside the workspace.
        log = self.stack.enter_context((self.project.parent / "server.log").open("a"))
        transport = stdio_client(params, errlog=log)
        self.client = await self.stack.enter_async_context(
            Client(transport, read_timeout_seconds=900)
        )
        self.dead = False
        return self.client

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.stack.aclose()


def limit_for(args: dict[str, Any]) -> float:
    budget = args.get("time_budget_s")
    ok = isinstance(budget, int | float) and not isinstance(budget, bool) and math.isfinite(budget)
    return min(float(budget), 900.0) + 60.0 if ok and budget > 0 else 960.0


async def call(
    session: Session, tally: Tally, tool: str, args: dict[str, Any], outside: set[str]
) -> None:
    """One call and its verdict; calls after a server death in the same batch are not sent."""
    client = session.client
    if client is None or session.dead:
        tally.add("lost", tool, args, "not answered: the server had died")
        return
    started = time.monotonic()
    try:
        with anyio.fail_after(limit_for(args)):
            result = await client.call_tool(tool, args)
    except TimeoutError:
        tally.add("hangs", tool, args, f"no answer after {time.monotonic() - started:.0f} s")
        return
    except Exception as exc:  # the session or the server died
        if not session.dead:
            session.dead = True
            tally.add("crashes", tool, args, f"{type(exc).__name__}: {exc}")
        return
    tally.seconds[tool] += time.monotonic() - started
    tally.answered[tool] += 1
    kind, text = classify(result)
    tally.succeeded[tool] += kind == "success"
    if kind == "success" and any(isinstance(v, str) and v in outside for v in args.values()):
        kind, text = "escapes", "read a path outside the workspace"
    tally.add(kind, tool, args, text)


async def still_serves(session: Session, tally: Tally) -> None:
    """After each batch: the server lists its tools and answers a good call."""
    if session.dead:
        await session.open()
    try:
        with anyio.fail_after(120):
            client = session.client or await session.open()
            await client.list_tools()
            good = await client.call_tool("ml_profile_data", {"data_path": "data/diabetes.csv"})
        assert not good.is_error, error_text(good)
    except Exception as exc:
        tally.add("crashes", "<good call after batch>", {}, f"{type(exc).__name__}: {exc}")
        await session.open()


@contextlib.asynccontextmanager
async def campaign(project: Path, canary: Path) -> AsyncIterator[tuple[Session, Tally]]:
    session, tally = Session(project), Tally()
    before = snapshot(canary)
    try:
        await session.open()
        yield session, tally
    finally:
        await session.close()
        tally.count_executions(project.parent)
        if snapshot(canary) != before:
            tally.add(
                "escapes", "<canary>", {}, "the canary directory outside the workspace changed"
            )
