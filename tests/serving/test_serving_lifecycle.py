"""`ml_generate_serving` on the lifecycle driver: the ONNX conversion and parity proof the
default runtime rests on run in a job process (the server never imports scikit-learn, skl2onnx or
onnxruntime for it) and progress grows (tests/test_lifecycle_probes.py), and a cancelled call
kills its job and writes no service and no override on the run."""

from __future__ import annotations

from pathlib import Path

import anyio
import pandas as pd
import pytest

from mcp_server.core import layout
from mcp_server.files.workspace import Workspace
from mcp_server.ml.tracking import tags
from mcp_server.ml.tracking.runs import get_store
from tests.export_support import fit, log_fitted
from tests.support import inprocess_client
from tests.train_support import job_processes, wait_until

pytestmark = pytest.mark.anyio


async def test_a_cancelled_service_generation_kills_its_job_and_writes_nothing(project: Path):
    frame = pd.read_csv(project / "data/customers.csv")
    pd.concat([frame] * (150_000 // len(frame) + 1)).to_csv(project / "data/big.csv", index=False)
    rejected = {tags.KEPT: tags.FALSE, tags.REJECTED_REASON: "a test rejected it"}
    fitted = fit("multiclass", "logistic_regression")
    run_id = log_fitted(project, fitted, "data/big.csv", tags=rejected)  # the parity rows: slow
    rendering = anyio.Event()

    async def progress(done: float, total: float | None, message: str | None) -> None:
        if (message or "").startswith("rendering"):
            rendering.set()

    async with inprocess_client(project) as client:

        async def generate() -> None:
            arguments = {"run_id": run_id, "output_dir": "serving/x", "allow_failed_gates": True}
            await client.call_tool("ml_generate_serving", arguments, progress_callback=progress)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(generate)
            with anyio.fail_after(120):
                await rendering.wait()
            assert job_processes(), "the service should be rendered in a job process"
            tasks.cancel_scope.cancel()
    assert wait_until(lambda: not job_processes()), "the serving job survived the cancellation"
    assert not (project / "serving").exists()
    run = get_store(Workspace(project)).get_run(run_id)
    assert tags.ALLOW_FAILED_GATES not in run.tags, "the override was recorded for no service"
    scratch = project / layout.SCRATCH
    assert wait_until(lambda: not scratch.is_dir() or not any(scratch.iterdir()))
