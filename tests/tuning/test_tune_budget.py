"""`ml_tune` honours its time budget (issue 23, medium 5): a trial that cannot finish (a forest
of 10^8 trees) is killed at the budget plus the grace `tools/tune.py` states, with a one-line
error, instead of running for minutes while its memory grows. The grace is a setting
(MOAI_ML_TUNE_GRACE_S, a minute by default): the endless search sets 3 s, so its 12 s budget is
killed at 15 s (3 s is also a quarter of the budget) instead of at 72 s."""

from __future__ import annotations

import time
from pathlib import Path

import anyio
import pytest

from mcp_server.core import settings
from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.tuning.tune_run import kill_after_s
from tests.support import copy_examples, inprocess_client
from tests.train_support import call_error

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("test_tune")]
# The data is prepared within it, the job forkserver already warm (`warm_jobs`: a cold one took
# 20+ s of it under load). The endless trial holds a core until the kill, 15 s in: the search has
# 6.4 s of the 12 to start it (`tuning.job.reserve` keeps the rest back), which is ample.
BUDGET_S = 12.0
GRACE_S = 3.0
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


def test_the_kill_time_is_the_budget_plus_a_grace_that_grows_with_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(settings.TUNE_GRACE_S.name, raising=False)
    assert kill_after_s(5) == 65 and kill_after_s(3600) == 4500
    monkeypatch.setenv(settings.TUNE_GRACE_S.name, "4")
    assert kill_after_s(5) == 9 and kill_after_s(3600) == 4500


@pytest.mark.parametrize("bad", ["soon", "-1", "nan"])
def test_a_grace_that_is_not_a_number_of_seconds_is_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setenv(settings.TUNE_GRACE_S.name, bad)
    with pytest.raises(MoaiMlError, match=settings.TUNE_GRACE_S.name):
        kill_after_s(5)


async def test_a_search_whose_trial_never_ends_is_killed_at_its_budget_plus_grace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warm_jobs: None
) -> None:
    monkeypatch.setenv(settings.TUNE_GRACE_S.name, f"{GRACE_S:g}")
    grace = kill_after_s(BUDGET_S) - BUDGET_S  # the setting, or a quarter of the budget
    project = copy_examples(tmp_path / "project")
    async with inprocess_client(project) as client:
        started = time.monotonic()
        with anyio.fail_after(BUDGET_S + grace + 45):
            text = await call_error(client, "ml_tune", **ENDLESS)
        elapsed = time.monotonic() - started
    assert f"plus {grace:g} s of grace" in text and len(text.splitlines()) == 1, text
    assert elapsed >= BUDGET_S + grace, elapsed
