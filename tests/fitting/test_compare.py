"""`ml_compare_models` over stdio: a CV leaderboard whose candidates are nested MLflow runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sklearn.model_selection import StratifiedKFold, cross_val_score

from mcp_server.ml.modeling.catalog import fast_first
from mcp_server.ml.modeling.dataset import prepare
from mcp_server.ml.modeling.preprocess import build_pipeline
from tests.support import copy_examples, inprocess_client
from tests.train_support import call, call_error, job_processes, wait_until

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("test_compare")]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_examples(tmp_path_factory.mktemp("compare") / "project")


@pytest.fixture(scope="module")
async def client(project: Path):  # type: ignore[no-untyped-def]
    async with inprocess_client(project) as client:
        yield client


async def test_the_leaderboard_is_sorted_by_the_cv_metric_and_matches_scikit_learn(
    client, project: Path
):
    result = await call(
        client,
        "ml_compare_models",
        data_path="data/breast_cancer.csv",
        target="target",
        models=["logistic_regression", "knn", "random_forest"],
        cv_folds=3,
        params={"random_forest": {"n_estimators": 25}},
        spec_id="ML-001",
    )
    board = result["leaderboard"]
    assert result["metric"] == "roc_auc" and result["higher_is_better"] is True
    assert [e["rank"] for e in board] == [1, 2, 3]
    assert [e["score"] for e in board] == sorted((e["score"] for e in board), reverse=True)
    assert result["best_model"] == board[0]["model"] and result["not_ranked"] == []
    assert all(e["fit_time_s"] > 0 and e["std"] is not None for e in board)
    data = prepare(project / "data/breast_cancer.csv", "target")
    knn = next(e for e in board if e["model"] == "knn")
    folds = StratifiedKFold(3, shuffle=True, random_state=42)
    expected = cross_val_score(
        build_pipeline(data.schema, "knn", {}, 42), data.X, data.y, cv=folds, scoring="roc_auc"
    )
    assert knn["score"] == pytest.approx(expected.mean(), abs=1e-6)


async def test_each_candidate_is_an_mlflow_run_under_one_parent(client):
    result = await call(
        client,
        "ml_compare_models",
        data_path="data/diabetes.csv",
        target="progression",
        models=["ridge", "linear_regression"],
        cv_folds=3,
    )
    parent = await call(client, "ml_get_run", run_id=result["run_id"])
    assert parent["run"]["kind"] == "compare" and parent["children"] == 2
    assert parent["tags"]["moai.best_model"] == result["best_model"]
    for entry in result["leaderboard"]:
        child = await call(client, "ml_get_run", run_id=entry["run_id"])
        assert (
            child["run"]["parent_run_id"] == result["run_id"]
            and child["run"]["kind"] == "candidate"
        )
        assert child["metrics"]["cv_rmse_mean"] == pytest.approx(entry["score"])
    assert result["metric"] == "rmse" and result["higher_is_better"] is False
    scores = [e["score"] for e in result["leaderboard"]]
    assert scores == sorted(scores)


async def test_by_default_every_model_that_fits_the_task_is_compared(client):
    result = await call(
        client,
        "ml_compare_models",
        data_path="data/diabetes.csv",
        target="progression",
        cv_folds=2,
        time_budget_s=300,
    )
    compared = {e["model"] for e in result["leaderboard"]} | {
        n["model"] for n in result["not_ranked"]
    }
    assert compared == set(
        fast_first("regression")
    )  # every default family (neural ones are opt-in)
    assert len(result["leaderboard"]) == len(compared)


async def test_a_tight_budget_keeps_finished_candidates_and_lists_the_rest(client):
    result = await call(
        client,
        "ml_compare_models",
        data_path="data/breast_cancer.csv",
        target="target",
        models=["logistic_regression", "random_forest", "knn"],
        cv_folds=3,
        time_budget_s=8,
        params={"random_forest": {"n_estimators": 20000}},
    )
    assert [e["model"] for e in result["leaderboard"]] == ["logistic_regression"]
    assert {(n["model"], n["status"]) for n in result["not_ranked"]} == {
        ("random_forest", "stopped"),
        ("knn", "skipped"),
    }
    assert wait_until(lambda: not job_processes())
    runs = await call(client, "ml_list_runs", kind="candidate", max_results=200)
    assert result["leaderboard"][0]["run_id"] in {r["run_id"] for r in runs["runs"]}


async def test_a_candidate_with_bad_params_fails_alone(client):
    result = await call(
        client,
        "ml_compare_models",
        data_path="data/breast_cancer.csv",
        target="target",
        models=["logistic_regression", "random_forest"],
        cv_folds=3,
        params={"random_forest": {"n_estimators": -3}},
    )
    assert [e["model"] for e in result["leaderboard"]] == ["logistic_regression"]
    failed = result["not_ranked"][0]
    assert failed["status"] == "failed" and "n_estimators" in failed["message"]


async def test_compare_refuses_unknown_models_wrong_metrics_and_bad_paths(client):
    text = await call_error(
        client,
        "ml_compare_models",
        data_path="data/diabetes.csv",
        target="progression",
        models=["ridge", "deep_forest"],
    )
    assert "unknown model 'deep_forest'" in text and "random_forest" in text
    text = await call_error(
        client,
        "ml_compare_models",
        data_path="data/diabetes.csv",
        target="progression",
        metric="roc_auc",
    )
    assert "does not apply to a regression task" in text
    text = await call_error(
        client,
        "ml_compare_models",
        data_path="data/diabetes.csv",
        target="progression",
        models=["logistic_regression"],
    )
    assert "does not fit a regression task; drop it from models=" in text
    text = await call_error(client, "ml_compare_models", data_path="/etc/passwd", target="x")
    assert "outside the workspace" in text
