"""A tune run as a background job answers what the inline call answers, its plots included, and
its progress follows the trials done, not the clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support import copy_examples, inprocess_client, structured
from tests.train_support import call

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.xdist_group("test_tune")]

TUNE = {
    "data_path": "data/diabetes.csv",
    "target": "progression",
    "models": ["ridge"],
    "strategy": "random",
    "n_trials": 4,
    "cv_folds": 3,
    "time_budget_s": 600,
}


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


def _images(result: Any) -> list[tuple[str, int]]:
    return [(c.mime_type, len(c.data)) for c in result.content if c.type == "image"]


async def test_a_tune_job_returns_the_inline_calls_images_and_progress_follows_the_trials(
    tmp_path: Path,
):
    project = copy_examples(tmp_path / "project")
    seen: list[tuple[float, float | None, str | None]] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total, message))

    async with inprocess_client(project) as client:
        inline = await client.call_tool(
            "ml_tune", {**TUNE, "background": False}, progress_callback=progress
        )
        ticket = await call(client, "ml_tune", **TUNE, background=True)
        status: dict[str, Any] = {"state": "running"}
        while status["state"] in ("queued", "running"):
            done = await client.call_tool(
                "ml_job_status", {"job_id": ticket["job_id"], "wait_s": 50}
            )
            status = structured(done)
    assert status["state"] == "done", status
    assert _images(inline), "the inline tune shows its optimisation history"
    assert [mime for mime, _ in _images(done)] == [mime for mime, _ in _images(inline)]
    assert status["result"]["trials_this_call"] == structured(inline)["trials_this_call"] == 4
    trials = [(d, total) for d, total, message in seen if (message or "").startswith("trial")]
    assert len(trials) == TUNE["n_trials"], seen
    total = trials[0][1]
    assert total is not None
    # a 600 s budget used for seconds: each trial's share is 1 + 90 * k / 4 of the 100 steps
    expected = [(1 + 90 * k / TUNE["n_trials"]) / 100 for k in range(1, TUNE["n_trials"] + 1)]
    assert [d / total for d, _ in trials] == pytest.approx(expected, abs=0.02), seen
