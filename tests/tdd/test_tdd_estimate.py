"""The TDD tools' time estimates: a cycle that outlasts an MCP host's patience (~60 s) goes to a
job by itself, and the estimate follows what the phases do (candidates, folds, tuning budget)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.tools._background import INLINE_LIMIT_S
from mcp_server.tools._estimates import Refused, tdd_estimate
from tests.support import inprocess_client, structured

TABLE = {
    "spec_id": "ML-090",
    "dataset": "data/breast_cancer.csv",
    "target": "target",
    "metric": "roc_auc",
    "threshold": 0.9,
}


def _estimates(workspace: Workspace, args: dict[str, object]) -> dict[str, float]:
    return {p: tdd_estimate(p)(workspace, args) for p in ("red", "green", "refactor", "cycle")}


@pytest.fixture
def workspace(project: Path) -> Workspace:
    """The examples with RED's test files in place (GREEN and REFACTOR are refused without)."""
    for module in ("ml_001", "ml_002", "ml_003", "ml_090"):
        test = project / f"tests/ml/test_{module}.py"
        test.parent.mkdir(parents=True, exist_ok=True)
        test.write_text("def test_written_by_red():\n    pass\n", encoding="utf-8")
    return Workspace(project)


def test_an_example_cycle_is_estimated_past_the_hosts_patience_and_a_red_phase_within_it(
    workspace: Workspace,
):
    for spec_id in ("ML-001", "ML-002", "ML-003"):
        found = _estimates(workspace, {"spec_path": spec_id})
        assert found["red"] < INLINE_LIMIT_S < found["cycle"], (spec_id, found)
        assert found["cycle"] == pytest.approx(found["red"] + found["green"] + found["refactor"])
        # REFACTOR grid-searches three candidates over five folds, then trains and tests as GREEN
        assert found["refactor"] > found["green"] > found["red"], (spec_id, found)


def test_refactor_costs_more_with_more_candidates_folds_and_a_tuning_budget(workspace: Workspace):
    def refactor(**fields: object) -> float:
        return tdd_estimate("refactor")(workspace, {"fields": {**TABLE, **fields}})

    one = refactor(candidates=["logistic_regression"], cv_folds=2)
    assert refactor(candidates=["logistic_regression", "random_forest"], cv_folds=2) > one
    assert refactor(candidates=["logistic_regression"], cv_folds=5) > one
    assert refactor(candidates=["logistic_regression"], cv_folds=2, tune_budget_s=30) > one + 30


def test_green_and_refactor_without_reds_tests_are_refused_before_any_job(project: Path):
    for phase in ("green", "refactor"):
        with pytest.raises(Refused, match=r"tests come first\. Run ml_tdd_red for ML-002"):
            tdd_estimate(phase)(Workspace(project), {"spec_path": "ML-002"})
    assert tdd_estimate("cycle")(Workspace(project), {"spec_path": "ML-002"}) > 0


@pytest.mark.anyio
async def test_a_cycle_called_without_background_runs_as_a_job_and_says_its_estimate(
    project: Path,
):
    async with inprocess_client(project) as client:
        started = time.monotonic()
        reply = structured(await client.call_tool("ml_tdd_cycle", {"spec_path": "ML-001"}))
        assert time.monotonic() - started < 30 and reply["job_state"] == "queued", reply
        assert reply["tool"] == "ml_tdd_cycle" and reply["estimate_s"] > INLINE_LIMIT_S
        assert "background=false forces an inline call" in reply["reason"]
        stopped = structured(await client.call_tool("ml_job_cancel", {"job_id": reply["job_id"]}))
        assert stopped["state"] == "cancelled"
