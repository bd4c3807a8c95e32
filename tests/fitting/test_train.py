"""`ml_train` through a real MCP server over stdio, with the real MLflow store on disk."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import anyio.abc
import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tracking.runs import get_store
from tests.support import copy_workspace, inprocess_client
from tests.train_support import call, call_error, job_processes, staging_left, wait_until

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("test_train")]
SLOW_RF = {"n_estimators": 20000, "n_jobs": 1}  # far longer than any budget or cancellation below


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def project(trained_template: tuple[Path, dict], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shared trained project (tests/conftest.py): its random forest is `rf_run`."""
    return copy_workspace(trained_template[0], tmp_path_factory.mktemp("train") / "project")


@pytest.fixture(scope="module")
async def client(project: Path):  # type: ignore[no-untyped-def]
    async with inprocess_client(project) as client:
        yield client


@pytest.fixture(scope="module")
def rf_run(trained_template: tuple[Path, dict]) -> dict:
    """ml_train's result for a random forest of 30 trees on breast_cancer.csv under SPEC ML-001."""
    return trained_template[1]["forest"]


async def test_training_returns_the_run_id_holdout_metrics_fit_time_and_model_size(rf_run):
    assert len(rf_run["run_id"]) == 32
    assert rf_run["task"] == "binary" and rf_run["model"] == "random_forest"
    assert rf_run["rows"] == 569 and rf_run["train_rows"] + rf_run["test_rows"] == 569
    assert rf_run["primary_metric"] == "roc_auc" and 0.9 < rf_run["primary_value"] <= 1.0
    assert {
        "accuracy",
        "balanced_accuracy",
        "f1_macro",
        "f1_weighted",
        "roc_auc",
        "log_loss",
    } <= set(rf_run["metrics"])
    assert rf_run["fit_time_s"] > 0 and rf_run["model_size_mb"] > 0 and rf_run["latency_ms"] > 0
    assert rf_run["dropped"] == {"patient_id": "identifier"}
    assert rf_run["experiment"] == "SPEC-ML-001"


async def test_the_holdout_is_a_stratified_split_with_the_given_seed(rf_run, project: Path):
    frame = pd.read_csv(project / "data/breast_cancer.csv")
    _, test = train_test_split(
        np.arange(len(frame)), test_size=0.2, random_state=42, stratify=frame["target"]
    )
    expected = frame["target"].iloc[test].value_counts().sort_index().tolist()
    assert [sum(row) for row in rf_run["confusion_matrix"]] == expected


async def test_the_run_is_an_mlflow_run_with_params_metrics_tags_model_and_plots(
    rf_run, project: Path
):
    store = get_store(Workspace(project))
    run = store.client.get_run(rf_run["run_id"])  # as MLflow itself shows it
    data = (project / "data/breast_cancer.csv").read_bytes()
    tags = run.data.tags
    assert tags["moai.spec_id"] == "ML-001" and tags["moai.kind"] == "train"
    assert tags["moai.data_sha256"] == hashlib.sha256(data).hexdigest()
    assert (tags["moai.rows"], tags["moai.columns"]) == ("569", "32")
    assert run.data.params["model.n_estimators"] == "30" and run.data.params["seed"] == "42"
    assert run.data.metrics["holdout_roc_auc"] == pytest.approx(rf_run["primary_value"])
    artifacts = {a.path for a in store.client.list_artifacts(rf_run["run_id"])}
    assert {"moai", "plots", "split"} <= artifacts
    plots = {a.path for a in store.client.list_artifacts(rf_run["run_id"], "plots")}
    assert plots == {"plots/confusion_matrix.png", "plots/roc_curve.png"}
    assert (project / ".moai/ml/mlflow.db").is_file()


async def test_the_logged_model_has_a_signature_and_an_input_example_and_predicts(
    rf_run, project: Path
):
    import mlflow.sklearn
    from mlflow.models import Model

    store = get_store(Workspace(project))
    model_id = rf_run["model_uri"].removeprefix("models:/")
    logged = store.client.get_logged_model(model_id)
    folder = Path(logged.artifact_location.removeprefix("file://"))
    meta = Model.load(str(folder / "MLmodel"))
    assert meta.signature is not None and "mean radius" in meta.signature.inputs.input_names()
    assert meta.saved_input_example_info is not None and meta.run_id == rf_run["run_id"]
    model = mlflow.sklearn.load_model(str(folder))
    loaded = store.load_run(rf_run["run_id"])
    frame = pd.read_csv(project / "data/breast_cancer.csv").head(20)
    from mcp_server.ml.modeling.preprocess import coerce_frame

    rows = coerce_frame(frame, loaded.schema)
    assert (model.predict(rows) == loaded.model.predict(rows)).all()


async def test_regression_training_reports_rmse_mae_r2_mape_and_wape(client):
    result = await call(
        client, "ml_train", data_path="data/diabetes.csv", target="progression", model="ridge"
    )
    assert result["task"] == "regression" and result["primary_metric"] == "rmse"
    assert set(result["metrics"]) - {"poisson_deviance"} == {"rmse", "mae", "r2", "mape", "wape"}
    assert result["confusion_matrix"] is None and result["labels"] == []


async def test_multiclass_training_on_categorical_columns_with_missing_values(client):
    result = await call(
        client,
        "ml_train",
        data_path="data/customers.csv",
        target="segment",
        model="hist_gradient_boosting",
        params={"max_iter": 50},
    )
    assert result["task"] == "multiclass" and len(result["labels"]) == 3
    assert result["metrics"]["roc_auc"] is not None and len(result["confusion_matrix"]) == 3


async def test_model_auto_picks_a_model_for_the_task(client):
    result = await call(
        client, "ml_train", data_path="data/diabetes.csv", target="progression", model="auto"
    )
    assert result["model"] == "ridge"  # few rows: a regularised linear model


async def test_training_reports_progress_while_it_runs(client):
    messages: list[str] = []

    async def progress(value: float, total: float | None, message: str | None) -> None:
        messages.append(message or "")

    result = await client.call_tool(
        "ml_train",
        {"data_path": "data/diabetes.csv", "target": "progression", "model": "ridge"},
        progress_callback=progress,
    )
    assert not result.is_error
    assert any(m.startswith("fitting ridge") for m in messages)
    assert messages[-1] == "recording the MLflow run"


async def test_a_fit_past_its_time_budget_is_stopped_and_records_nothing(client, project: Path):
    before = (await call(client, "ml_list_runs", max_results=200))["count"]
    text = await call_error(
        client,
        "ml_train",
        data_path="data/breast_cancer.csv",
        target="target",
        model="random_forest",
        params=SLOW_RF,
        time_budget_s=3,
    )
    assert "time budget of 3 s" in text and "nothing was recorded" in text
    assert (await call(client, "ml_list_runs", max_results=200))["count"] == before
    assert wait_until(lambda: not job_processes()), "the fitting process is still alive"
    assert staging_left(project) == []


@asynccontextmanager
async def slow_fit_running(client) -> AsyncIterator[anyio.abc.TaskGroup]:
    """A random forest fit far longer than any test, yielded once its job reports 'fitting'."""
    fitting = anyio.Event()

    async def progress(value: float, total: float | None, message: str | None) -> None:
        if (message or "").startswith("fitting"):
            fitting.set()

    async def train() -> None:
        await client.call_tool(
            "ml_train",
            {
                "data_path": "data/breast_cancer.csv",
                "target": "target",
                "model": "random_forest",
                "params": SLOW_RF,
            },
            progress_callback=progress,
        )

    async with anyio.create_task_group() as tg:
        tg.start_soon(train)
        with anyio.fail_after(60):
            await fitting.wait()
        yield tg
        tg.cancel_scope.cancel()


async def test_cancelling_a_fit_kills_the_worker_and_records_nothing(client, project: Path):
    before = (await call(client, "ml_list_runs", max_results=200))["count"]
    async with slow_fit_running(client):
        assert job_processes(), "the fit should be running in a job process"
    assert wait_until(lambda: not job_processes()), "the fitting process survived the cancellation"
    assert (await call(client, "ml_list_runs", max_results=200))["count"] == before
    assert wait_until(lambda: staging_left(project) == [])


async def test_the_server_answers_other_requests_while_a_fit_runs(client):
    async with slow_fit_running(client):
        with anyio.fail_after(30):
            listed = await call(client, "ml_list_runs")
            profiled = await call(
                client, "ml_profile_data", data_path="data/diabetes.csv", target="progression"
            )
        answered_during_fit = bool(job_processes())
    assert isinstance(listed["runs"], list) and profiled["task"] == "regression"
    assert answered_during_fit, "the fit had already ended, so this proved nothing"


async def test_a_table_is_profiled_once_per_content_and_again_when_it_changes(
    client, project: Path
):
    cache = project / ".moai/ml/cache/schemas"
    table = project / "data/cached.csv"
    frame = pd.read_csv(project / "data/customers.csv").head(
        1400
    )  # content no other test trained on
    frame.to_csv(table, index=False)
    entries = lambda: set(cache.glob("*.json")) if cache.is_dir() else set()  # noqa: E731
    before = entries()
    args = {"data_path": "data/cached.csv", "target": "segment", "model": "logistic_regression"}
    first = await call(client, "ml_train", **args)
    profiled = entries() - before
    assert len(profiled) == 1
    second = await call(client, "ml_train", **args)
    assert entries() - before == profiled, "the same table was profiled again"
    assert second["metrics"] == first["metrics"] and second["dropped"] == first["dropped"]
    frame.head(1200).to_csv(table, index=False)
    third = await call(client, "ml_train", **args)
    assert len(entries() - before) == 2 and third["rows"] == 1200
