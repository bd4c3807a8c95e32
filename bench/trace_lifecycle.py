"""One `ml_train` (or `ml_tdd_refactor`) traced call by call, in the server and in its job process.

Counts, for each process, the `mcp_server` modules the call enters and how it moves between
them: `modules` (distinct modules entered), `stops` (consecutive runs of one module in the
trace), `returns` (stops in a module the trace had already left once), `edges` (distinct moves
from one module to another: unlike stops and returns, independent of how long the job runs and so
of how many progress messages it sends) and `climbs` (a call from a module into one of a higher
layer, ranked as `tests/test_layers.py` ranks them).

    .venv/bin/python bench/trace_lifecycle.py [--model logistic_regression]
    .venv/bin/python bench/trace_lifecycle.py --tool ml_tdd_refactor   # examples/' SPEC ML-001

`--tool ml_tdd_refactor` runs RED and GREEN of ML-001 first, untraced, then REFACTOR twice (the
first warms up); the job figures are those of the last job process the call started.

The server is the in-process one (`build_server` + the SDK's `Client`); its event loop and worker
threads are traced with `sys.setprofile`/`threading.setprofile` while the call runs. The job
process is traced by wrapping `processes.child._child` (the function the forkserver child runs);
it writes its trace to a file the server side reads back. A coroutine resumed by the event loop is
not a new call and is not counted, so the figures do not depend on how often the job is polled.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TRACE_FILE = "MOAI_ML_BENCH_TRACE_FILE"  # bench only: where the job process writes its trace
GENERATOR_FLAGS = 0x20 | 0x80 | 0x200  # CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR


class Recorder:
    """The trace of one process: the module of each fresh call and of each return to a caller."""

    def __init__(self, active: bool = True) -> None:
        self.stops: list[str] = []
        self.climbs = 0
        self.active = active  # off while the server warms up (its threads get the hook then)

    def _module(self, frame: Any) -> str | None:
        name = frame.f_globals.get("__name__", "") if frame is not None else ""
        return name if name.startswith("mcp_server") else None

    def _note(self, module: str | None) -> None:
        if module is not None and (not self.stops or self.stops[-1] != module):
            self.stops.append(module)

    def __call__(self, frame: Any, event: str, arg: Any) -> None:
        if not self.active:
            return
        if event == "call":
            if frame.f_code.co_flags & GENERATOR_FLAGS and frame.f_lasti > 0:
                return  # a coroutine or generator resumed, not called
            callee, caller = self._module(frame), self._module(frame.f_back)
            if callee and caller and _rank(callee) > _rank(caller):
                self.climbs += 1
            self._note(callee)
        elif event == "return" and not frame.f_code.co_flags & GENERATOR_FLAGS:
            self._note(self._module(frame.f_back))

    def figures(self) -> dict[str, Any]:
        seen: set[str] = set()
        returns = 0
        for module in self.stops:
            returns += module in seen
            seen.add(module)
        edges = set(zip(self.stops, self.stops[1:], strict=False))
        folders = {m.rsplit(".", 1)[0] for m in seen}
        return {
            "modules": len(seen),
            "folders": len(folders),
            "stops": len(self.stops),
            "returns": returns,
            "edges": len(edges),
            "climbs": self.climbs,
            "trace": self.stops,
        }


def _rank(module: str) -> int:
    from tests.test_layers import LAYERS

    matches = [p for p in LAYERS if module == p or module.startswith(p + ".")]
    return LAYERS[max(matches, key=len)] if matches else -1


class _TracedPipe:
    """The job's end of the pipe: the trace is saved before the last message goes out (the server
    kills the job process as soon as it has read it)."""

    def __init__(self, conn: Any, recorder: Recorder) -> None:
        self.conn, self.recorder = conn, recorder

    def send(self, message: Any) -> None:
        if message[0] != "progress":
            sys.setprofile(None)
            out = os.environ.get(TRACE_FILE)
            if out:
                Path(out).write_text(json.dumps(self.recorder.figures()))
        self.conn.send(message)

    def close(self) -> None:
        self.conn.close()


def traced_child(conn: Any, target: Any, payload: Any) -> None:
    """`processes.child._child`, traced; the trace goes to the file `TRACE_FILE` names."""
    from mcp_server.processes import child

    recorder = Recorder()
    sys.setprofile(recorder)
    child._child(_TracedPipe(conn, recorder), target, payload)  # the job's own, unpatched copy


async def _traced(workspace: Path, tool: str, model: str) -> Recorder:
    from mcp import Client

    from mcp_server.entry.server import build_server

    recorder = Recorder(active=False)
    # Why before the warm-up call: the worker threads it starts are reused by the traced call, and
    # a thread takes its profile hook when it starts.
    threading.setprofile(recorder)
    async with Client(build_server(str(workspace))) as client:
        args: dict[str, Any] = {"data_path": "data/t.csv", "target": "target", "model": model}
        if tool != "ml_train":
            args = {"spec_path": "ML-001", "background": False}
            for phase in ("ml_tdd_red", "ml_tdd_green"):
                await client.call_tool(phase, args)
        await client.call_tool(tool, args)  # warm: forkserver, caches, imports
        recorder.active = True
        sys.setprofile(recorder)
        try:
            done = await client.call_tool(tool, args)
        finally:
            sys.setprofile(None)
            threading.setprofile(None)  # type: ignore[arg-type]
    if done.is_error:
        raise SystemExit(f"{tool} failed: {done.content}")
    return recorder


def main() -> None:
    import anyio

    from mcp_server.processes import child

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="logistic_regression")
    parser.add_argument("--tool", default="ml_train", choices=["ml_train", "ml_tdd_refactor"])
    parser.add_argument("--trace", action="store_true", help="print the module sequences too")
    opts = parser.parse_args()
    workspace = Path(tempfile.mkdtemp(prefix="moai-trace-"))
    try:
        (workspace / "data").mkdir()
        shutil.copy(ROOT / "examples/data/breast_cancer.csv", workspace / "data/t.csv")
        if opts.tool != "ml_train":
            shutil.copytree(ROOT / "examples", workspace, dirs_exist_ok=True)
        os.environ[TRACE_FILE] = str(workspace / "job-trace.json")
        child._child = traced_child  # type: ignore[assignment]
        server = anyio.run(_traced, workspace, opts.tool, opts.model).figures()
        job = json.loads((workspace / "job-trace.json").read_text())
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    for figures in (server, job):
        if not opts.trace:
            figures.pop("trace")
    print(json.dumps({"server": server, "job": job}, indent=1))


if __name__ == "__main__":
    main()
