"""`ml_model_card` on the lifecycle driver: the holdout scoring, bootstrap intervals and plots run
in a job process (the server never imports scikit-learn or matplotlib for them) and progress
grows (tests/test_lifecycle_probes.py), and a cancelled card kills its job and writes no file."""

from __future__ import annotations

from pathlib import Path

import anyio
import pandas as pd
import pytest

from mcp_server.core import layout
from tests.monitoring.support import log_model
from tests.support import copy_examples, error_text, inprocess_client
from tests.train_support import job_processes, wait_until

pytestmark = pytest.mark.anyio


async def test_a_cancelled_card_kills_its_job_and_writes_nothing(tmp_path: Path):
    project = copy_examples(tmp_path / "project")
    frame = pd.read_csv(project / "data/breast_cancer.csv")
    pd.concat([frame] * 100).to_csv(project / "data/big.csv", index=False)
    run_id = log_model(project, "logistic_regression", data="data/big.csv", gates=True)
    drawing = anyio.Event()

    async def progress(done: float, total: float | None, message: str | None) -> None:
        if (message or "").startswith("scoring"):
            drawing.set()

    async with inprocess_client(project) as client:

        async def card() -> None:
            await client.call_tool("ml_model_card", {"run_id": run_id}, progress_callback=progress)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(card)
            with anyio.fail_after(120):
                await drawing.wait()
            assert job_processes(), "the card should be drawn in a job process"
            tasks.cancel_scope.cancel()
    assert wait_until(lambda: not job_processes()), "the card job survived the cancellation"
    cards = project / layout.CARDS
    assert not cards.is_dir() or not any(cards.rglob("*"))
    scratch = project / layout.SCRATCH
    assert wait_until(lambda: not scratch.is_dir() or not any(scratch.iterdir()))


UNWRITABLE = [  # a file where a folder must be; a folder too deep for the file system
    ("ml_model_card", {"output_dir": "notes.md/card"}),
    ("ml_model_card", {"output_dir": "x/" * 300 + "card"}),
    ("ml_generate_serving", {"output_dir": "notes.md/service", "runtime": "joblib"}),
    ("ml_generate_serving", {"output_dir": "x/" * 300 + "service", "runtime": "joblib"}),
]


async def test_an_output_folder_no_file_can_be_written_into_is_refused_before_any_job(
    tmp_path: Path,
):
    project = copy_examples(tmp_path / "project")
    (project / "notes.md").write_text("a person's notes\n", encoding="utf-8")
    run_id = log_model(project, "logistic_regression", gates=True)
    seen: list[str] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append(message or "")

    async with inprocess_client(project) as client:
        for tool, args in UNWRITABLE:
            arguments = {"run_id": run_id, **args}
            result = await client.call_tool(tool, arguments, progress_callback=progress)
            text = error_text(result)
            assert result.is_error and "give output_dir" in text and "\n" not in text, text
            assert "'notes.md' is not a folder" in text or "too long for the file" in text, text
            assert seen == [], f"{tool}: a job started before the refusal: {seen}"
    assert (project / "notes.md").read_text(encoding="utf-8") == "a person's notes\n"
    assert not (project / "x").exists()
