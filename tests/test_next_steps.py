"""An agent that only follows `next_step` gets from a table to a documented champion: each
answer's first call is parsed as written and made, and none is refused for its arguments; a
gate-failed run leads to tuning from its SPEC, whose answer leads to REFACTOR or the owner."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.next_step_calls import first_call
from tests.support import copy_examples, inprocess_client
from tests.train_support import call

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.xdist_group("next_steps")]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


async def test_following_next_step_leads_from_training_to_a_documented_champion(tmp_path: Path):
    project = copy_examples(tmp_path / "project")
    seen: list[str] = []
    async with inprocess_client(project) as client:
        answer = await call(
            client,
            "ml_train",
            data_path="data/breast_cancer.csv",
            target="target",
            model="logistic_regression",
            spec_id="ML-001",
        )
        assert answer["gates_passed"] is True
        while not answer["next_step"].startswith(("Done", "Stop")):
            tool, arguments = first_call(answer["next_step"])
            assert tool not in seen, f"a circle: {[*seen, tool]}"
            seen.append(tool)
            answer = await call(client, tool, **arguments)
    assert seen == [
        "ml_evaluate",
        "ml_generate_serving",
        "ml_register_model",
        "ml_promote",
        "ml_model_card",
    ]
    assert answer["next_step"].startswith("Done. When new rows arrive: ml_detect_drift with")


async def test_a_comparison_and_an_export_name_calls_that_work(tmp_path: Path):
    project = copy_examples(tmp_path / "project")
    async with inprocess_client(project) as client:
        board = await call(
            client,
            "ml_compare_models",
            data_path="data/diabetes.csv",
            target="progression",
            models=["ridge", "linear_regression"],
            cv_folds=3,
        )
        tool, arguments = first_call(board["next_step"])
        assert tool == "ml_train" and arguments["model"] == board["best_model"]
        trained = await call(client, tool, **arguments)
        exported = await call(client, "ml_export", run_id=trained["run_id"], format="joblib")
        tool, arguments = first_call(exported["next_step"])
        assert (tool, arguments) == ("ml_generate_serving", {"run_id": trained["run_id"]})


async def test_a_gate_failed_training_run_leads_to_tuning_from_its_spec(tmp_path: Path):
    project = copy_examples(tmp_path / "project")
    spec = project / ".moai/specs/SPEC-ML-002/spec.md"
    spec.write_text(spec.read_text().replace("threshold: 0.35", "threshold: 0.95"))
    async with inprocess_client(project) as client:
        trained = await call(
            client,
            "ml_train",
            data_path="data/diabetes.csv",
            target="progression",
            model="ridge",
            spec_id="ML-002",
        )
        assert trained["gates_passed"] is False
        tool, arguments = first_call(trained["next_step"])
        assert (tool, arguments) == (
            "ml_tune",
            {"spec_path": "ML-002", "time_budget_s": 60, "background": True},
        )
        tuned = await call(
            client, tool, **{**arguments, "background": False}, models=["ridge"], n_trials=3
        )
    assert tuned["next_step"].startswith("Stop here: the SPEC's owner must decide")


async def test_drift_leads_to_measuring_its_cost_and_a_failed_gate_back_to_the_columns_that_moved(
    tmp_path: Path,
):
    import pandas as pd

    project = copy_examples(tmp_path / "project")
    table = pd.read_csv(project / "data/breast_cancer.csv")
    recent = table.sample(200, random_state=1)
    for column in [c for c in table.columns if c.startswith("worst")]:
        recent[column] = recent[column] * 2.5  # a sensor recalibrated: the model's inputs move
    recent.to_csv(project / "data/recent.csv", index=False)
    async with inprocess_client(project) as client:
        run = await call(
            client,
            "ml_train",
            data_path="data/breast_cancer.csv",
            target="target",
            model="logistic_regression",
            spec_id="ML-001",
        )
        drift = await call(
            client, "ml_detect_drift", reference=run["run_id"], current="data/recent.csv"
        )
        assert drift["drift"] is True, drift["headline"]
        tool, arguments = first_call(drift["next_step"])
        assert (tool, arguments) == (
            "ml_monitor_performance",
            {"run_id": run["run_id"], "current": "data/recent.csv"},
        )
        watched = await call(client, tool, **arguments)
        assert watched["alerts"], watched["chunks"]  # the shift costs the SPEC's metric
        tool, arguments = first_call(watched["next_step"])
        assert tool == "ml_detect_drift"
        again = await call(client, tool, **arguments)
        assert again["drift"] is True and set(again["drifted_columns"]) & set(
            drift["drifted_columns"]
        )
        steady = await call(
            client, "ml_detect_drift", reference=run["run_id"], current="data/breast_cancer.csv"
        )
    assert steady["drift"] is False and steady["next_step"].startswith("No action")
