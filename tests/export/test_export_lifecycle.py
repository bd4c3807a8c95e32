"""`ml_export` on the lifecycle driver: the conversion and its parity proof run in a job process
(the server never imports scikit-learn, skl2onnx or onnxruntime for it) and progress grows
(tests/test_lifecycle_probes.py, one fresh server for export, serving and the card), and a
cancelled export kills its job and writes no file and no override on the run."""

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


def big_table(project: Path, rows: int = 150_000) -> str:
    """The parity sample's table: the job takes seconds to read it, cancelled meanwhile."""
    frame = pd.read_csv(project / "data/customers.csv")
    pd.concat([frame] * (rows // len(frame) + 1)).to_csv(project / "data/big.csv", index=False)
    return "data/big.csv"


async def test_a_cancelled_export_kills_its_job_and_writes_nothing(project: Path):
    rejected = {tags.KEPT: tags.FALSE, tags.REJECTED_REASON: "a test rejected it"}
    fitted = fit("multiclass", "logistic_regression")
    run_id = log_fitted(project, fitted, "data/customers.csv", tags=rejected)
    table = big_table(project)
    converting = anyio.Event()

    async def progress(done: float, total: float | None, message: str | None) -> None:
        if (message or "").startswith("converting"):
            converting.set()

    async with inprocess_client(project) as client:

        async def export() -> None:
            await client.call_tool(
                "ml_export",
                {"run_id": run_id, "data_path": table, "allow_failed_gates": True},
                progress_callback=progress,
            )

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(export)
            with anyio.fail_after(120):
                await converting.wait()
            assert job_processes(), "the export should be running in a job process"
            tasks.cancel_scope.cancel()
    assert wait_until(lambda: not job_processes()), "the export job survived the cancellation"
    assert not (project / layout.EXPORTS).is_dir() or not any((project / layout.EXPORTS).rglob("*"))
    run = get_store(Workspace(project)).get_run(run_id)
    assert tags.ALLOW_FAILED_GATES not in run.tags, "the override was recorded for no export"
    scratch = project / layout.SCRATCH
    assert wait_until(lambda: not scratch.is_dir() or not any(scratch.iterdir()))
