"""A new long capability is declared once and driven end to end by `tools/_lifecycle.drive`: its
prepare step stages a payload, the work runs in a real job process, the run is judged, recorded
in a real MLflow store, read back and answered over MCP with growing progress; a cancelled drive
leaves no run, no staging folder and no job process behind."""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel

from mcp_server.core import layout
from mcp_server.core.errors import DataError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.capability import Call, Capability, Plan, Recorded
from mcp_server.ml.tracking import tags
from mcp_server.ml.tracking.runs import get_store
from mcp_server.ml.tracking.store import RunRecord
from mcp_server.ml.tracking.verdict import Verdict
from mcp_server.tools._lifecycle import drive

pytestmark = pytest.mark.anyio

RECORDING = threading.Event()  # set by the record step of a call the test cancels there


@dataclass(frozen=True)
class SumRequest:
    numbers: list[float]
    hold_s: float = 0.0  # how long the job waits before summing (a call to cancel meanwhile)
    hold_recording: bool = False  # the record step waits to be cancelled


class SumAnswer(BaseModel):
    run_id: str
    total: float
    recorded_total: float
    kept: str
    job_pid: int


def prepare_sum(call: Call[SumRequest]) -> Plan:
    payload = call.folder / "numbers.json"
    payload.write_text(json.dumps(call.request.numbers))
    return Plan(payload=str(payload), budget_s=60, steps=3, what="the sum")


def sum_job(payload: str, progress: Any) -> dict[str, Any]:
    folder = Path(payload).parent
    (folder / "running").write_text(str(os.getpid()))
    numbers = json.loads(Path(payload).read_text())
    if not numbers:
        raise DataError("nothing to add up: pass at least one number")
    hold_s = float((folder / "hold").read_text()) if (folder / "hold").exists() else 0.0
    progress(1, "read the numbers")
    time.sleep(hold_s)
    progress(2, "summed")
    return {"total": sum(numbers), "pid": os.getpid()}


def judge_sum(call: Call[SumRequest], outcome: dict[str, Any]) -> Verdict:
    kept = outcome["total"] >= 0
    return Verdict(None, kept, None if kept else "a negative total")


def record_sum(
    call: Call[SumRequest], outcome: dict[str, Any], verdict: Verdict | None
) -> Recorded:
    if call.request.hold_recording:
        RECORDING.set()
        time.sleep(1.0)  # the call is cancelled while the run is being written
    record = RunRecord(
        experiment=tags.experiment_name(None, "lifecycle-test"),
        run_name="sum",
        kind="evaluate",
        metrics={"total": outcome["total"]},
        tags={tags.ROWS: len(call.request.numbers)},
        start_ms=call.started_ms,
        verdict=verdict,
    )
    return Recorded([get_store(call.workspace).record(record)])


def answer_sum(call: Call[SumRequest], outcome: dict[str, Any], saved: Recorded) -> SumAnswer:
    run = get_store(call.workspace).get_run(saved.run_ids[0])
    return SumAnswer(
        run_id=saved.run_ids[0],
        total=outcome["total"],
        recorded_total=run.metrics["total"],
        kept=tags.flag(bool(run.verdict.kept)),
        job_pid=outcome["pid"],
    )


def prepare_held(call: Call[SumRequest]) -> Plan:
    plan = prepare_sum(call)
    (call.folder / "hold").write_text(str(call.request.hold_s))
    return plan


SUM = Capability(
    name="sum",
    prepare=prepare_sum,
    execute=sum_job,
    judge=judge_sum,
    record=record_sum,
    answer=answer_sum,
)
HELD_SUM = Capability(
    name="sum", prepare=prepare_held, execute=sum_job, record=record_sum, answer=answer_sum
)


def _server(workspace: Workspace) -> MCPServer:
    server = MCPServer("lifecycle-test")

    @server.tool()
    async def add_up(numbers: list[float], ctx: Context) -> SumAnswer:
        return await drive(SUM, workspace, SumRequest(numbers), ctx)

    return server


def _runs(workspace: Workspace) -> list[Any]:
    store = get_store(workspace)
    return [r for eid, _ in store.experiments(None) for r in store.search([eid], "", [], 100)]


def _staging_folders(workspace: Workspace) -> list[Path]:
    scratch = workspace.root / layout.SCRATCH
    return list(scratch.iterdir()) if scratch.is_dir() else []


async def test_a_capability_declared_in_a_few_lines_is_run_in_a_job_recorded_and_answered(
    tmp_path: Path,
) -> None:
    workspace = Workspace(tmp_path)
    seen: list[float] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append(done / (total or 1))

    async with Client(_server(workspace)) as client:
        result = await client.call_tool(
            "add_up", {"numbers": [1, 2, 3.5]}, progress_callback=progress
        )
    assert not result.is_error, result.content
    answer = SumAnswer.model_validate(result.structured_content)
    assert answer.total == answer.recorded_total == 6.5
    assert answer.kept == "true"
    assert answer.job_pid != os.getpid()
    assert [r.run_id for r in _runs(workspace)] == [answer.run_id]
    assert _staging_folders(workspace) == []
    assert seen == sorted(seen) and 0 < seen[-1] <= 1 and len(seen) >= 3, seen


async def test_a_refusal_in_the_job_reaches_the_caller_as_it_is_and_records_nothing(
    tmp_path: Path,
) -> None:
    workspace = Workspace(tmp_path)
    async with Client(_server(workspace)) as client:
        result = await client.call_tool("add_up", {"numbers": []})
    assert result.is_error
    assert "nothing to add up: pass at least one number" in result.content[0].text
    assert _runs(workspace) == []
    assert _staging_folders(workspace) == []


@pytest.mark.parametrize("cancel_at", ["job", "record"])
async def test_a_cancelled_drive_leaves_no_run_no_staging_folder_and_no_job(
    tmp_path: Path, cancel_at: str
) -> None:
    workspace = Workspace(tmp_path)
    RECORDING.clear()
    request = SumRequest([1, 2], hold_s=30 if cancel_at == "job" else 0, hold_recording=True)
    pids: list[int] = []

    def reached() -> bool:
        if cancel_at == "record":
            return RECORDING.is_set()
        running = [f / "running" for f in _staging_folders(workspace)]
        pids.extend(int(p.read_text()) for p in running if p.exists() and p.read_text())
        return bool(pids)

    with anyio.CancelScope() as scope:
        async with anyio.create_task_group() as group:
            group.start_soon(drive, HELD_SUM, workspace, request, None)
            with anyio.fail_after(60):
                while not reached():
                    await anyio.sleep(0.05)
            scope.cancel()
    assert scope.cancelled_caught
    assert _runs(workspace) == []
    assert _staging_folders(workspace) == []
    for pid in pids:
        with anyio.fail_after(10):
            while Path(f"/proc/{pid}").exists():
                await anyio.sleep(0.05)
