"""Long tools as background jobs, through the SDK's client over stdio: start, disconnect, reconnect,
poll, cancel."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from mcp_server.processes.background import JOBS
from tests.support import error_text, inprocess_client, stdio_client, structured

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

COMPARE = {
    "data_path": "data/breast_cancer.csv",
    "target": "target",
    "cv_folds": 5,
    "models": ["logistic_regression", "random_forest", "extra_trees"],
}


def _runner_pid(project: Path, job_id: str) -> int:
    return int(json.loads((project / JOBS / job_id / "runner.pid").read_text())["pid"])


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


async def _poll(project: Path, job_id: str, until: tuple[str, ...], limit_s: float = 300) -> dict:
    deadline = time.monotonic() + limit_s
    async with inprocess_client(project) as client:  # a new client; its transport is not tested
        while time.monotonic() < deadline:
            status = structured(
                await client.call_tool("ml_job_status", {"job_id": job_id, "wait_s": 20})
            )
            if status["state"] in until:
                return status
    raise AssertionError(f"job {job_id} did not reach {until} within {limit_s} s")


async def test_a_background_compare_outlives_its_client_and_a_new_client_gets_the_inline_result(
    project: Path,
):
    started = time.monotonic()
    async with stdio_client(project) as client:
        reply = await client.call_tool("ml_compare_models", {**COMPARE, "background": True})
        ticket = structured(reply)
        assert time.monotonic() - started < 30, "a background call answers at once"
        assert ticket["job_state"] == "queued" and ticket["tool"] == "ml_compare_models"
        assert "ml_job_status" in ticket["next_step"] and "{" not in reply.content[0].text
    job_id = ticket["job_id"]
    pid = _runner_pid(project, job_id)
    assert _alive(pid), "the job keeps running after its client and server are gone"

    status = await _poll(project, job_id, ("done", "failed", "cancelled"))
    assert status["state"] == "done", status
    result = status["result"]
    assert {e["model"] for e in result["leaderboard"]} == set(COMPARE["models"])
    assert result["cv_folds"] == 5 and result["best_model"] in COMPARE["models"]
    async with inprocess_client(project) as client:
        run = structured(await client.call_tool("ml_get_run", {"run_id": result["run_id"]}))
        assert run["run"]["run_id"] == result["run_id"], (
            "the job recorded its runs in the workspace's store"
        )
        listing = structured(await client.call_tool("ml_job_status", {}))
        assert [j["job_id"] for j in listing["jobs"]] == [job_id]
    saved = json.loads((project / JOBS / job_id / "result.json").read_text())
    assert saved["structuredContent"] == result
    print(f"background compare: {status['elapsed_s']} s of work, answered at once")


async def test_cancelling_a_running_job_stops_its_processes_and_records_nothing(project: Path):
    slow = {
        **COMPARE,
        "models": ["random_forest"],
        "params": {"random_forest": {"n_estimators": 4000}},
    }
    async with inprocess_client(project) as client:
        job_id = structured(
            await client.call_tool("ml_compare_models", {**slow, "background": True})
        )["job_id"]
        deadline = time.monotonic() + 120
        while True:  # wait until the fit itself runs, so the cancel stops real work
            status = structured(
                await client.call_tool("ml_job_status", {"job_id": job_id, "wait_s": 2})
            )
            if status["state"] == "running" and (status["progress"] or 0) > 0:
                break
            assert time.monotonic() < deadline, status
        pid = _runner_pid(project, job_id)
        cancelled = structured(await client.call_tool("ml_job_cancel", {"job_id": job_id}))
        assert cancelled["state"] == "cancelled", cancelled
        assert not _alive(pid)
        again = structured(await client.call_tool("ml_job_status", {"job_id": job_id}))
        assert again["state"] == "cancelled" and again["result"] is None
        runs = structured(await client.call_tool("ml_list_runs", {}))
        assert runs["runs"] == [], "a cancelled job leaves no MLflow run"
    scratch = project / ".moai/ml/tmp"
    assert not scratch.exists() or not any(scratch.iterdir()), "no staging folder is left"
    assert not (project / JOBS / job_id / "result.json").exists()


async def test_job_tools_refuse_unknown_ids_and_explain_in_one_line(project: Path):
    async with inprocess_client(project) as client:
        missing = await client.call_tool("ml_job_status", {"job_id": "j20260101-000000-abcdef"})
        assert missing.is_error and "no job 'j20260101-000000-abcdef'" in error_text(missing)
        bad = await client.call_tool("ml_job_cancel", {"job_id": "../../etc"})
        assert bad.is_error and "\n" not in error_text(bad)
        assert "argument 'job_id' got '../../etc'" in error_text(bad)
    assert not os.path.exists(project / JOBS / "j20260101-000000-abcdef")


async def test_a_client_with_the_tasks_extension_gets_a_task_and_polls_it_to_the_result(
    project: Path,
):
    from typing import Any, Literal

    import anyio
    from mcp import Client
    from mcp.client.extension import ClientExtension, ResultClaim
    from mcp_types import CallToolResult, Request, RequestParams, Result
    from pydantic import ConfigDict, Field, TypeAdapter

    from tests.support import server_params

    class TaskCreated(Result):
        model_config = ConfigDict(extra="allow", populate_by_name=True)
        result_type: Literal["task"] = Field(alias="resultType")
        task_id: str = Field(alias="taskId")
        status: str

    class TaskParams(RequestParams):
        task_id: str = Field(serialization_alias="taskId")

    class GetTask(Request[TaskParams, Literal["tasks/get"]]):
        method: Literal["tasks/get"] = "tasks/get"

    created: list[TaskCreated] = []
    polled: list[str] = []

    async def resolve(task: TaskCreated, ctx: Any) -> CallToolResult:
        created.append(task)
        while True:
            raw = await ctx.session.send_request(
                GetTask(params=TaskParams(task_id=task.task_id)), TypeAdapter(dict[str, Any])
            )
            polled.append(raw["status"])
            if raw["status"] != "working":
                return CallToolResult.model_validate(raw["result"])
            await anyio.sleep(1)

    class Tasks(ClientExtension):
        identifier = "io.modelcontextprotocol/tasks"

        def claims(self) -> list[ResultClaim[Any]]:
            return [ResultClaim(result_type="task", model=TaskCreated, resolve=resolve)]

    args = {
        "data_path": "data/diabetes.csv",
        "target": "progression",
        "models": ["ridge"],
        "cv_folds": 3,
    }
    async with Client(
        server_params(project), extensions=[Tasks()], read_timeout_seconds=300
    ) as client:
        result = await client.call_tool("ml_compare_models", {**args, "background": True})
    assert not result.is_error, error_text(result)
    assert len(created) == 1 and created[0].status == "working" and polled[-1] == "completed"
    assert result.structured_content["leaderboard"][0]["model"] == "ridge"
    assert result.content[0].text.startswith("rmse over 3 folds: ridge")
    assert (project / JOBS / created[0].task_id / "result.json").is_file(), "the task is the job"


async def test_a_call_estimated_past_the_hosts_patience_runs_as_a_job_and_says_why(project: Path):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    wide = pd.DataFrame(rng.normal(size=(60_000, 30)), columns=[f"x{i}" for i in range(30)])
    wide["y"] = (wide["x0"] + rng.normal(size=len(wide)) > 0).astype(int)
    wide.to_csv(project / "data/big.csv", index=False)
    async with inprocess_client(project) as client:
        started = time.monotonic()
        reply = structured(
            await client.call_tool(
                "ml_compare_models", {"data_path": "data/big.csv", "target": "y"}
            )
        )
        assert time.monotonic() - started < 30 and reply["job_state"] == "queued"
        assert reply["reason"].startswith("estimated about")
        assert "background=false forces an inline call" in reply["reason"]
        assert reply["estimate_s"] > 50
        stopped = structured(await client.call_tool("ml_job_cancel", {"job_id": reply["job_id"]}))
        assert stopped["state"] == "cancelled"
