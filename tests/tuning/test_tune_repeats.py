"""A search scores each configuration once: a trial that samples a scored one again is not fitted
again, and a search whose families' finite spaces are all scored stops before its budget (ETS'
forms, the seasonal naive's single configuration)."""

from __future__ import annotations

import json
from pathlib import Path

import optuna
import pytest

from mcp_server.ml.tuning.repeats import open_families, repeated
from mcp_server.ml.tuning.spaces import model_space, size
from tests.support import copy_examples, inprocess_client
from tests.train_support import call

pytestmark = [pytest.mark.anyio]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


def test_a_space_of_choices_counts_its_configurations_and_a_float_range_has_no_end():
    assert size(model_space("ets", "regression")) == 8
    assert size(model_space("seasonal_naive", "regression")) == 1
    orders = {"max_order": {"type": "int", "low": 1, "high": 3}}
    assert size(model_space("arima", "regression", orders)) == 6
    assert size(model_space("lgbm_forecast", "regression")) is None


def test_a_family_whose_configurations_are_all_scored_is_closed_and_a_repeat_is_found():
    spaces = {"ets": model_space("ets", "regression", {"trend": "add", "seasonal": "add"})}
    spaces["lgbm_forecast"] = model_space("lgbm_forecast", "regression")
    study = optuna.create_study()
    dist = optuna.distributions
    model = dist.CategoricalDistribution(["ets", "lgbm_forecast"])
    damped = dist.CategoricalDistribution([True, False])
    for value, score in ((True, 0.3), (False, 0.2)):
        study.add_trial(
            optuna.trial.create_trial(
                params={"model": "ets", "ets.damped_trend": value},
                distributions={"model": model, "ets.damped_trend": damped},
                value=score,
            )
        )
    assert repeated(study, {"model": "ets", "ets.damped_trend": False}) == 1
    assert repeated(study, {"model": "lgbm_forecast"}) is None
    assert open_families(study, ["ets", "lgbm_forecast"], spaces) == ["lgbm_forecast"]
    assert open_families(study, ["ets"], spaces) == []


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["random", "auto"])
async def test_a_search_of_a_finite_space_scores_each_configuration_once_and_stops(
    tmp_path: Path, strategy: str
):
    project = copy_examples(tmp_path / "project")
    async with inprocess_client(project) as client:
        out = await call(
            client,
            "ml_tune",
            data_path="data/diabetes.csv",
            target="progression",
            models=["ridge"],
            search_space={"ridge": {"alpha": [0.1, 10.0]}},
            strategy=strategy,
            cv_folds=3,
            time_budget_s=300,
            background=False,
        )
    scored = [json.loads(entry["params"])["alpha"] for entry in out["leaderboard"]]
    assert sorted(scored) == [0.1, 10.0]
    assert out["trials_done"] == 2
    # without the stop, a 300 s budget would run thousands of repeats
    assert out["trials_this_call"] < 20, out["trials_this_call"]
