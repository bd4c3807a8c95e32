"""The TDD phases on the lifecycle driver: their progress grows with the job's steps, and a
cancelled REFACTOR, which selects and tests its winner on a copy of the project, leaves the
project's pipeline and model as they were and no run behind."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import anyio
import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tracking.runs import get_store
from tests.support import inprocess_client

pytestmark = pytest.mark.anyio


def _grows(progress: list[list[Any]]) -> None:
    values = [done for done, _, _ in progress]
    assert values == sorted(values) and len(set(values)) == len(values), progress
    assert len({total for _, total, _ in progress}) == 1, progress


@pytest.mark.slow
def test_a_phase_reports_its_jobs_steps_as_growing_progress(cycled):
    green = cycled("ML-002").answers["green_progress"]  # ml_tdd_green, inline
    _grows(green)
    messages = [message for _, _, message in green]
    assert "green: training the pipeline and running the tests" in messages  # from its job
    assert "MLflow run" in messages[-1] and green[-1][0] < green[-1][1]


@pytest.mark.slow
def test_the_cycle_reports_one_progress_growing_across_its_three_phases(cycled):
    steps = cycled("ML-001").answers["progress"][1:]  # after the estimate's notice
    _grows(steps)
    assert all(total == 3 for _, total, _ in steps)
    for phase, (low, high) in {"red:": (0, 1), "green:": (1, 2), "refactor:": (2, 3)}.items():
        inside = [done for done, _, message in steps if (message or "").startswith(phase)]
        assert inside and all(low <= done < high for done in inside), (phase, steps)
    assert steps[-1][0] == 3 and "done" in (steps[-1][2] or "")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run_ids(project: Path) -> set[str]:
    store = get_store(Workspace(project))
    experiments = [eid for eid, _ in store.experiments(None)]
    return {run.run_id for run in store.search(experiments, "", [], 1000)}


@pytest.mark.slow
async def test_a_cancelled_refactor_leaves_the_pipeline_byte_identical_and_no_run_behind(
    cycled, tmp_path: Path
):
    # the shared ML-002 project as its ml_tdd_green left it (RED and GREEN run once per test run)
    project = cycled("ML-002").green_copy_to(tmp_path / "project").resolve()
    pipeline = project / "src/ml_project/ml_002/pipeline.py"
    model = project / "models/ml_002/model.joblib"
    args = {"spec_path": "ML-002", "background": False}
    async with inprocess_client(project) as client:
        before, model_before, runs = pipeline.read_bytes(), _sha(model), _run_ids(project)
        assert len(runs) == 1  # GREEN's run
        testing = anyio.Event()

        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            if "testing the CV winner" in (message or ""):  # the winner is in the copy now
                testing.set()

        async with anyio.create_task_group() as tasks:

            async def refactor() -> None:
                await client.call_tool("ml_tdd_refactor", args, progress_callback=on_progress)

            tasks.start_soon(refactor)
            with anyio.fail_after(600):
                await testing.wait()
            await anyio.sleep(2)  # its training and tests under way in the job
            tasks.cancel_scope.cancel()
        await anyio.sleep(3)
        assert pipeline.read_bytes() == before and _sha(model) == model_before
        assert _run_ids(project) == runs
        listed = await client.call_tool("ml_list_runs", {})
        assert not listed.is_error  # the server still serves
