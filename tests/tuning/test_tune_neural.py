"""`ml_tune` searches the neural families (the `dl` extra) over the registry's small spaces like
any model: over stdio, by k-fold CV within its budget, and the winner is a normal run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import copy_examples, inprocess_client
from tests.train_support import call

pytest.importorskip("skorch")
pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("neural")]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


def test_the_neural_search_spaces_are_small_and_cap_the_epochs_that_early_stopping_cuts_short():
    from mcp_server.ml.tuning.spaces import model_space

    for model in ("torch_mlp", "keras_mlp"):
        for task in ("binary", "regression"):
            space = model_space(model, task)
            assert {
                "hidden_units",
                "learning_rate",
                "weight_decay",
                "dropout",
                "max_epochs",
            } <= set(space)
            assert space["hidden_units"]["high"] <= 256 and space["max_epochs"]["high"] <= 200
            assert space["learning_rate"]["log"] and space["weight_decay"]["log"]


@pytest.mark.slow
@pytest.mark.parametrize(("model", "trials"), [("torch_mlp", 3), ("keras_mlp", 2)])
async def test_a_short_neural_tune_over_stdio_returns_its_best_trial_as_an_evaluable_run(
    tmp_path: Path, model: str, trials: int
):
    if model == "keras_mlp":
        pytest.importorskip("keras")
    project = copy_examples(tmp_path / "project")
    async with inprocess_client(project) as client:
        result = await call(
            client,
            "ml_tune",
            data_path="data/breast_cancer.csv",
            target="target",
            strategy="random",
            models=[model],
            n_trials=trials,
            cv_folds=2,
            time_budget_s=240,
            # an epoch cap of its own: the claim is the search, not how long each net learns
            search_space={model: {"max_epochs": {"type": "int", "low": 4, "high": 10}}},
            seed=0,
        )
        assert result["best_model"] == model and result["metric"] == "roc_auc"
        assert result["trials_this_call"] == trials and result["trials_failed"] == 0
        params = result["best_params"]
        assert 16 <= params["hidden_units"] <= 256 and 4 <= params["max_epochs"] <= 10
        assert 1e-4 <= params["learning_rate"] <= 1e-2 and 0.0 <= params["dropout"] <= 0.5
        assert 0.9 < result["best_cv"] <= 1.0
        values = [t["value"] for t in result["leaderboard"]]
        assert result["best_cv"] == pytest.approx(max(values))
        run = await call(client, "ml_get_run", run_id=result["run_id"])
        assert run["run"]["kind"] == "tune" and run["tags"]["moai.model"] == model
        evaluated = await call(
            client, "ml_evaluate", run_id=result["run_id"], data_path="data/breast_cancer.csv"
        )
        assert evaluated["metrics"]["roc_auc"] > 0.9
