"""REFACTOR of a forecast SPEC tunes like a table's: when the rolling-origin winner misses a gate
and the SPEC sets `tune_budget_s`, the search runs on the SPEC's training rows with rolling-origin
folds scored by MASE, and the result says what it found and whether it was adopted."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.series.tdd_support import hostile_project
from tests.support import inprocess_client
from tests.train_support import call

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.xdist_group("forecast_tdd_tune")]

# The search runs until its deadline (the SPEC sets no trial count): every second of budget is a
# second of CPU. 20 s leaves about 14 s of search after the reserve (`tuning.job.reserve`), many
# trials of these two cheap families; the claims need one.
EXTRA = "candidates: [seasonal_naive, lgbm_forecast]\ntune_budget_s: 20\n"


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


async def test_refactor_of_a_forecast_spec_that_misses_its_gate_tunes_on_rolling_origin_folds(
    tmp_path: Path,
) -> None:
    # MASE <= 0.3 on noisy sales: no family meets it, so REFACTOR spends its tuning budget
    project = hostile_project(tmp_path / "project", threshold=0.3, extra=EXTRA)
    async with inprocess_client(project) as client:
        await call(client, "ml_tdd_red", spec_path="ML-026", package="proj")
        await call(client, "ml_tdd_green", spec_path="ML-026", background=False)
        refactor = await call(client, "ml_tdd_refactor", spec_path="ML-026", background=False)
    assert not any("tune_budget_s was not spent" in w for w in refactor["warnings"])
    tuning = refactor["tuning"]
    assert tuning is not None and "error" not in tuning, refactor["warnings"]
    assert tuning["metric"] == "mase" and tuning["model"] in {"seasonal_naive", "lgbm_forecast"}
    assert tuning["trials"] >= 1 and tuning["cv_meets_threshold"] is False
    assert 0.3 < tuning["cv_mean"] < 5.0  # a MASE on the folds, not a table's error
    assert [m["passed"] for m in refactor["metrics"]] == [False]  # honest: the gate stays unmet
