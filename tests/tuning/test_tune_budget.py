"""`ml_tune` honours its time budget (issue 23, medium 5): a trial that cannot finish (a forest
of 10^8 trees) is killed at the budget plus the grace `tools/tune.py` states, with a one-line
error, instead of running for minutes while its memory grows."""

from __future__ import annotations

import time
from pathlib import Path

import anyio
import pytest

from mcp_server.ml.tuning.tune_run import kill_after_s
from tests.support import copy_examples, stdio_client
from tests.train_support import call_error

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("test_tune")]
BUDGET_S = 60.0
ENDLESS = {
    "data_path": "data/diabetes.csv",
    "target": "progression",
    "strategy": "grid",
    "models": ["random_forest"],
    "search_space": {"random_forest": {"n_estimators": [100_000_000]}},
    "cv_folds": 2,
    "time_budget_s": BUDGET_S,
    "background": False,
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_the_kill_time_is_the_budget_plus_a_grace_that_grows_with_it() -> None:
    assert kill_after_s(5) == 65 and kill_after_s(3600) == 4500


async def test_a_search_whose_trial_never_ends_is_killed_at_its_budget_plus_grace(
    tmp_path: Path,
) -> None:
    project = copy_examples(tmp_path / "project")
    async with stdio_client(project) as client:
        started = time.monotonic()
        with anyio.fail_after(kill_after_s(BUDGET_S) + 45):
            text = await call_error(client, "ml_tune", **ENDLESS)
        elapsed = time.monotonic() - started
    assert "plus 60 s of grace" in text and len(text.splitlines()) == 1, text
    assert elapsed >= BUDGET_S
