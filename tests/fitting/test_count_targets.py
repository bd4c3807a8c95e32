"""A count target (visits, claims, rentals) is compared with the losses made for counts: the
Poisson and Tweedie families join a comparison's and a SPEC's default candidates for such a
target, and only for it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import KFold, cross_val_score

from mcp_server.ml.data.kinds.registry import DEFAULT, kind_named
from mcp_server.ml.data.target_summary import summarize_target
from mcp_server.ml.modeling.catalog import count_families
from mcp_server.ml.modeling.dataset import prepare
from mcp_server.ml.modeling.kind_families import for_the_target
from mcp_server.ml.modeling.preprocess import build_pipeline
from tests.support import copy_examples, inprocess_client
from tests.train_support import call

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _visits(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=rows), rng.normal(size=rows)
    region = rng.choice(["north", "south", "east"], rows)
    rate = np.exp(0.8 * x - 0.4 * z + np.where(region == "south", 0.5, 0.0) - 0.2)
    return pd.DataFrame({"x": x, "z": z, "region": region, "visits": rng.poisson(rate)})


def test_the_count_families_join_only_a_count_or_skewed_non_negative_regression_target():
    table = kind_named(DEFAULT)
    rng = np.random.default_rng(3)
    counts = rng.poisson(0.4, 500)  # skew 1.6
    assert set(count_families()) == {"poisson_regression", "tweedie_regression", "poisson_boosting"}

    def joined(task: str, y: np.ndarray, names: list[str]) -> list[str]:
        return for_the_target(table, task, names, summarize_target(pd.Series(y), task))

    assert joined("regression", counts, ["ridge"]) == ["ridge", *count_families()]
    assert joined("regression", rng.lognormal(0, 1.2, 500), ["ridge"])[1:] == count_families()
    assert joined("regression", rng.normal(50, 5, 500), ["ridge"]) == ["ridge"]
    assert joined("regression", counts - 1, ["ridge"]) == ["ridge"]  # negatives
    assert joined("binary", counts % 2, ["knn"]) == ["knn"]


async def test_a_default_comparison_of_a_count_target_ranks_the_poisson_and_tweedie_losses(
    tmp_path: Path,
):
    project = copy_examples(tmp_path / "project")
    _visits(1500).to_csv(project / "data" / "visits.csv", index=False)
    async with inprocess_client(project) as client:
        result = await call(
            client,
            "ml_compare_models",
            data_path="data/visits.csv",
            target="visits",
            task="regression",
            cv_folds=3,
            time_budget_s=600,
        )
    board = {e["model"]: e for e in result["leaderboard"]}
    assert set(count_families()) <= set(board), result["not_ranked"]
    data = prepare(project / "data" / "visits.csv", "visits", "regression")
    folds = KFold(3, shuffle=True, random_state=42)
    scorer = {"rmse": "neg_root_mean_squared_error", "mae": "neg_mean_absolute_error"}
    assert result["metric"] in scorer
    expected = -cross_val_score(
        build_pipeline(data.schema, "poisson_regression", {}, 42),
        data.X,
        data.y,
        cv=folds,
        scoring=scorer[result["metric"]],
    )
    assert board["poisson_regression"]["score"] == pytest.approx(expected.mean(), abs=1e-6)
    # the true model is a Poisson GLM: its loss beats squared error on the same folds
    assert board["poisson_regression"]["score"] < board["linear_regression"]["score"]
