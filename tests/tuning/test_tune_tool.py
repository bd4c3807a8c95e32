"""`ml_tune` over stdio: every strategy searches the registry's spaces by k-fold CV within its
budget,
the winner is a normal run (evaluable, exportable to ONNX), and bad input is a one-line error."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest

from tests.support import copy_examples, free_port, inprocess_client
from tests.train_support import call, call_error

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("test_tune")]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_examples(tmp_path_factory.mktemp("tune") / "project")


@pytest.fixture(scope="module")
async def client(project: Path):  # type: ignore[no-untyped-def]
    async with inprocess_client(project) as client:
        yield client


@pytest.mark.parametrize("strategy", ["grid", "random", "optuna", "hyperopt"])
async def test_each_strategy_searches_the_given_space_and_returns_the_best_trial(
    client, strategy: str
):
    space = {"ridge": {"alpha": {"type": "float", "low": 0.01, "high": 100.0, "log": True}}}
    result = await call(
        client,
        "ml_tune",
        data_path="data/diabetes.csv",
        target="progression",
        strategy=strategy,
        models=["ridge"],
        search_space=space,
        n_trials=4,
        cv_folds=3,
        time_budget_s=60,
    )
    assert result["metric"] == "rmse" and result["higher_is_better"] is False
    assert result["trials_this_call"] == (
        3 if strategy == "grid" else 4
    )  # the grid has 3 points on one range
    assert result["best_model"] == "ridge" and 0.01 <= result["best_params"]["alpha"] <= 100.0
    values = [t["value"] for t in result["leaderboard"]]
    assert result["best_cv"] == pytest.approx(min(values)) and values == sorted(values)


async def test_a_search_outlasting_the_host_runs_as_a_job_and_polling_returns_the_inline_result(
    client,
):
    space = {"ridge": {"alpha": {"type": "float", "low": 0.01, "high": 100.0, "log": True}}}
    started = (
        time.monotonic()
    )  # no n_trials: the 60 s budget is the estimate; the 3-point grid ends in seconds
    ticket = await call(
        client,
        "ml_tune",
        data_path="data/diabetes.csv",
        target="progression",
        strategy="grid",
        models=["ridge"],
        search_space=space,
        cv_folds=3,
        time_budget_s=60,
    )
    assert (
        time.monotonic() - started < 30
        and ticket["tool"] == "ml_tune"
        and ticket["estimate_s"] > 50
    )
    assert ticket["reason"].startswith("estimated about") and "ml_job_status" in ticket["next_step"]
    for _ in range(10):
        status = await call(client, "ml_job_status", job_id=ticket["job_id"], wait_s=30)
        if status["state"] in ("done", "failed", "cancelled"):
            break
    assert status["state"] == "done", status
    result = status["result"]
    assert (
        result["best_model"] == "ridge"
        and result["trials_this_call"] == 3
        and result["metric"] == "rmse"
    )
    run = await call(client, "ml_get_run", run_id=result["run_id"])
    assert run["run"]["kind"] == "tune"


async def test_auto_finds_a_model_within_the_budget_and_records_an_exportable_evaluable_run(
    client, project: Path, warm_jobs: None
):
    # `warm_jobs` keeps the job forkserver's start out of the timed call (30 s of budget left the
    # bound below 7 s short at a load of 14, so the budget stays 40 s)
    budget = 40
    started = time.monotonic()
    raw = await client.call_tool(
        "ml_tune",
        {
            "data_path": "data/breast_cancer.csv",
            "target": "target",
            "time_budget_s": budget,
            "cv_folds": 3,
            "seed": 0,
        },
    )
    elapsed = time.monotonic() - started
    assert not raw.is_error, raw.content
    result = raw.structured_content
    assert elapsed <= budget * 1.1 + result["refit_s"]
    assert (
        result["strategy"] == "auto"
        and result["metric"] == "roc_auc"
        and result["task"] == "binary"
    )
    assert result["trials_done"] >= 2 and 0.95 < result["best_cv"] <= 1.0
    assert result["leaderboard"][0]["value"] >= result["leaderboard"][-1]["value"]
    images = [c for c in raw.content if c.type == "image"]
    assert len(images) == 2 and all(i.mime_type == "image/png" for i in images)
    trials = list(csv.DictReader((project / result["artifacts"] / "trials" / "trials.csv").open()))
    assert len(trials) >= result["trials_done"] + result["trials_pruned"] + result["trials_failed"]
    assert {"optimization_history.png", "param_importances.png"} <= {
        p.name for p in (project / result["artifacts"] / "plots").iterdir()
    }
    run = await call(client, "ml_get_run", run_id=result["run_id"])
    assert run["run"]["kind"] == "tune" and run["tags"]["moai.model"] == result["best_model"]
    exported = await call(client, "ml_export", run_id=result["run_id"], format="onnx")
    assert exported["parity"]["passed"] is True
    evaluated = await call(
        client, "ml_evaluate", run_id=result["run_id"], data_path="data/breast_cancer.csv"
    )
    assert evaluated["metrics"]["roc_auc"] > 0.95


async def test_a_search_space_that_is_empty_or_invalid_is_refused_before_anything_runs(client):
    empty = await call_error(
        client,
        "ml_tune",
        data_path="data/diabetes.csv",
        target="progression",
        strategy="random",
        models=["ridge"],
        search_space={"ridge": {}},
    )
    assert "search_space['ridge'] is empty" in empty
    inverted = await call_error(
        client,
        "ml_tune",
        data_path="data/diabetes.csv",
        target="progression",
        search_space={"ridge": {"alpha": {"type": "float", "low": 5, "high": 1}}},
    )
    assert "low (5) must be <= high (1)" in inverted
    stranger = await call_error(
        client,
        "ml_tune",
        data_path="data/diabetes.csv",
        target="progression",
        models=["ridge"],
        search_space={"ridge": {"nonsense": [1, 2]}},
    )
    assert "does not take: ['nonsense']" in stranger
    for text in (empty, inverted, stranger):
        assert "\n" not in text.strip()


async def test_a_metric_that_does_not_fit_the_task_is_refused(client):
    text = await call_error(
        client,
        "ml_tune",
        data_path="data/diabetes.csv",
        target="progression",
        metric="roc_auc",
        n_trials=1,
    )
    assert "does not apply to a regression task" in text and "\n" not in text.strip()


async def test_an_unreachable_storage_is_an_error_within_five_seconds_and_nothing_is_written(
    client, project: Path
):
    before = await call(client, "ml_list_runs")
    started = time.monotonic()
    url = f"postgresql://moai@127.0.0.1:{free_port()}/studies"
    text = await call_error(
        client,
        "ml_tune",
        data_path="data/diabetes.csv",
        target="progression",
        storage=url,
        study_name="nowhere",
    )
    assert time.monotonic() - started < 5.0
    assert "cannot reach the study storage" in text and "\n" not in text.strip()
    assert (await call(client, "ml_list_runs"))["count"] == before["count"]
    assert not (project / "data" / "studies").exists()


async def test_a_study_that_exists_with_the_other_direction_is_refused(client, project: Path):
    args = {
        "data_path": "data/diabetes.csv",
        "target": "progression",
        "models": ["ridge"],
        "strategy": "random",
        "n_trials": 1,
        "cv_folds": 3,
        "study_name": "diabetes-study",
    }
    await call(client, "ml_tune", **args)
    text = await call_error(client, "ml_tune", **{**args, "metric": "r2"})
    assert "exists and minimizes" in text and "\n" not in text.strip()


async def test_a_budget_too_small_for_one_trial_is_a_clear_error(client):
    text = await call_error(
        client,
        "ml_tune",
        data_path="data/customers.csv",
        target="segment",
        time_budget_s=1,
        models=["random_forest"],
    )
    assert "too small for one cross-validated fit" in text and "\n" not in text.strip()


def test_the_trial_table_names_each_trial_once(project: Path):
    tables = list((project / ".moai").rglob("trials.csv"))
    assert tables
    for table in tables:
        numbers = [row["number"] for row in csv.DictReader(table.open())]
        assert len(numbers) == len(set(numbers))
        assert all(json.loads(row["params"]) is not None for row in csv.DictReader(table.open()))


async def test_a_tune_run_of_a_spec_carries_the_gate_verdict_of_its_best_cv_like_a_train_run(
    client, project: Path
):
    from tests.fidelity.tables import spec

    spec(project, "ML-951", "data/diabetes.csv", "progression", "rmse", 1e6)  # any model meets it
    spec(project, "ML-952", "data/diabetes.csv", "progression", "rmse", 1.0)  # no model meets it
    args = {
        "data_path": "data/diabetes.csv",
        "target": "progression",
        "models": ["ridge"],
        "strategy": "random",
        "n_trials": 2,
        "cv_folds": 3,
    }
    met = await call(client, "ml_tune", spec_id="ML-951", **args)
    unmet = await call(client, "ml_tune", spec_id="ML-952", **args)
    free = await call(client, "ml_tune", **args)
    assert met["gates_passed"] is True and met["rejected_reason"] is None
    assert (
        unmet["gates_passed"] is False
        and "rmse" in unmet["rejected_reason"]
        and "CV" in unmet["rejected_reason"]
    )
    tags = {
        k: (await call(client, "ml_get_run", run_id=r["run_id"]))["tags"]
        for k, r in (("met", met), ("unmet", unmet), ("free", free))
    }
    assert tags["met"]["moai.gates_passed"] == "true" and tags["met"]["moai.kept"] == "true"
    assert tags["unmet"]["moai.gates_passed"] == "false" and tags["unmet"]["moai.kept"] == "false"
    assert "moai.gates_passed" not in tags["free"] and tags["free"]["moai.kept"] == "true"
    refused = await call_error(client, "ml_export", run_id=unmet["run_id"], format="joblib")
    assert (
        "failed its SPEC's gates" in refused
    )  # export reads the tune run's verdict as it reads a train run's


async def test_every_trial_is_an_mlflow_child_run_of_the_tune_run_with_its_params_score_and_state(
    client,
):
    result = await call(
        client,
        "ml_tune",
        data_path="data/diabetes.csv",
        target="progression",
        strategy="random",
        models=["ridge", "knn"],
        n_trials=6,
        cv_folds=3,
        experiment="tune-children",
    )
    parent = await call(client, "ml_get_run", run_id=result["run_id"])
    evaluated = result["trials_done"] + result["trials_pruned"] + result["trials_failed"]
    assert evaluated == 6 and parent["children"] == 6
    trials = await call(
        client, "ml_list_runs", experiment="tune-children", kind="trial", max_results=50
    )
    assert trials["count"] == 6 and {r["parent_run_id"] for r in trials["runs"]} == {
        result["run_id"]
    }
    default = await call(client, "ml_list_runs", experiment="tune-children")
    assert [r["run_id"] for r in default["runs"]] == [
        result["run_id"]
    ]  # trials are listed only when asked for
    best = result["leaderboard"][0]
    child = next(r for r in trials["runs"] if r["run_name"].startswith(f"trial-{best['number']}-"))
    shown = await call(client, "ml_get_run", run_id=child["run_id"])
    assert shown["run"]["status"] == "FINISHED" and shown["tags"]["moai.state"] == "complete"
    assert shown["params"]["model"] == best["model"]
    assert {k: float(v) for k, v in shown["params"].items() if k != "model"} == pytest.approx(
        json.loads(best["params"])
    )
    assert shown["metrics"]["cv_rmse_mean"] == pytest.approx(best["value"])


async def test_the_study_opens_in_optuna_dashboard_with_the_command_the_result_gives(
    client, project: Path
):
    from tests.tuning.dashboard import dashboard_trials

    result = await call(
        client,
        "ml_tune",
        data_path="data/diabetes.csv",
        target="progression",
        strategy="random",
        models=["ridge"],
        n_trials=3,
        cv_folds=3,
        study_name="dashboard-study",
    )
    assert result["dashboard"].startswith(
        "optuna-dashboard sqlite:///"
    )  # the workspace's .moai/ml/optuna.db
    assert len(dashboard_trials(result["dashboard"], project, "dashboard-study")) == 3


def test_two_searches_of_one_file_in_the_same_second_get_studies_of_their_own():
    from mcp_server.ml.tuning.tune_run import study_name_for

    path = Path("data/diabetes.csv")
    names = {study_name_for(None, path) for _ in range(20)}
    assert len(names) == 20 and all(n.startswith("tune-diabetes-") for n in names)
    assert study_name_for("mine", path) == "mine"
