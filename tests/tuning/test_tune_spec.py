"""`ml_tune(spec_path=...)`: the SPEC decides data, target, metric and split; the search and the
refit never see the SPEC's holdout, the winner is judged on it like `ml_train`, and the answer
says whether tuning closed the gap and which call comes next (REFACTOR, or the SPEC's owner)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import copy_examples, inprocess_client
from tests.train_support import call, call_error

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("test_tune_spec")]

CHEAP = {"models": ["ridge"], "strategy": "optuna", "n_trials": 4, "time_budget_s": 60}


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_examples(tmp_path_factory.mktemp("tune_spec") / "project")
    source = root / ".moai/specs/SPEC-ML-002/spec.md"
    far = root / ".moai/specs/SPEC-ML-092/spec.md"
    far.parent.mkdir(parents=True)
    text = source.read_text(encoding="utf-8").replace("id: ML-002", "id: ML-092")
    far.write_text(text.replace("threshold: 0.35", "threshold: 0.95"), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
async def client(project: Path):  # type: ignore[no-untyped-def]
    async with inprocess_client(project) as client:
        yield client


async def test_a_spec_tune_searches_only_the_training_split_and_is_judged_on_the_holdout(client):
    result = await call(client, "ml_tune", spec_path="ML-002", **CHEAP)
    assert result["metric"] == "r2" and result["rows"] == 442
    assert result["train_rows"] == 442 - 89  # the SPEC's seeded 20 % holdout is never searched
    held = result["holdout_metrics"]
    gates = {g["metric"]: g for g in result["gates"]}
    assert set(gates) == {"r2", "mae"} and gates["r2"]["needs"] == ">= 0.35"
    assert result["best_cv_std"] > 0 and gates["r2"]["holdout"] == pytest.approx(held["r2"])
    assert held["r2"] >= 0.35 and held["mae"] <= 50 and result["gates_passed"] is True
    evaluated = await call(client, "ml_evaluate", run_id=result["run_id"])
    assert evaluated["rows"] == 89  # the run's holdout: the very rows the gates judged
    assert evaluated["metrics"]["r2"] == pytest.approx(held["r2"], abs=1e-9)
    assert not evaluated["warnings"]
    assert result["next_step"].startswith(
        "ml_tdd_refactor(spec_path='ML-002', fields={'candidates': ['ridge'], 'tune_budget_s': 60})"
    )
    assert "closed the gap" in result["verdict"]


async def test_a_gap_tuning_cannot_close_names_the_spec_owner_and_never_a_lower_threshold(client):
    result = await call(client, "ml_tune", spec_path="ML-092", **CHEAP)
    assert result["gates_passed"] is False and result["rejected_reason"]
    assert "did not close the gap" in result["verdict"] and ">= 0.95" in result["verdict"]
    assert result["next_step"].startswith("Stop here: the SPEC's owner must decide")
    assert "threshold" in result["next_step"] and "lower" in result["next_step"]
    refused = await call_error(client, "ml_export", run_id=result["run_id"])
    assert "allow_failed_gates" in refused  # the verdict holds at every door


async def test_a_tune_without_a_spec_warns_when_evaluated_on_the_rows_it_was_refitted_on(client):
    result = await call(
        client, "ml_tune", data_path="data/diabetes.csv", target="progression", **CHEAP
    )
    assert result["train_rows"] == result["rows"] == 442 and result["holdout_metrics"] is None
    assert result["next_step"].startswith(f"ml_export(run_id='{result['run_id']}')")
    evaluated = await call(
        client, "ml_evaluate", run_id=result["run_id"], data_path="data/diabetes.csv"
    )
    assert any("442 of 442 evaluation rows" in w for w in evaluated["warnings"])


@pytest.mark.parametrize(
    ("arguments", "fix"),
    [
        ({}, "ml_tune needs spec_path"),
        ({"data_path": "data/diabetes.csv"}, "ml_tune needs spec_path"),
        (
            {"spec_path": "ML-002", "data_path": "data/customers.csv"},
            "omit data_path with spec_path",
        ),
        ({"spec_path": "ML-404"}, "ML-404"),
    ],
)
async def test_a_tune_without_its_table_or_with_two_tables_is_refused_naming_the_fix(
    client, arguments: dict[str, str], fix: str
):
    assert fix in await call_error(client, "ml_tune", **arguments, time_budget_s=5)
