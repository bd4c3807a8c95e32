"""`ml_list_runs` / `ml_get_run` over stdio, and a real `mlflow server` as the tracking store."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import copy_examples, free_port, inprocess_client, running
from tests.train_support import call, client_with_env

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("test_runs")]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_examples(tmp_path_factory.mktemp("runs") / "project")


@pytest.fixture(scope="module")
async def client(project: Path):  # type: ignore[no-untyped-def]
    async with inprocess_client(project) as client:
        yield client


@pytest.fixture(scope="module")
async def runs(client) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    out = {}
    for name, spec in (
        ("logistic_regression", "ML-001"),
        ("knn", "ML-001"),
        ("random_forest", None),
    ):
        params = {"n_estimators": 20} if name == "random_forest" else {}
        out[name] = await call(
            client,
            "ml_train",
            data_path="data/breast_cancer.csv",
            target="target",
            model=name,
            params=params,
            spec_id=spec,
            experiment="bc",
        )
    return out


async def test_runs_are_listed_newest_first_with_headline_metrics(client, runs):
    listed = await call(client, "ml_list_runs")
    ids = [r["run_id"] for r in listed["runs"]]
    assert ids[:3] == [
        runs["random_forest"]["run_id"],
        runs["knn"]["run_id"],
        runs["logistic_regression"]["run_id"],
    ]
    first = listed["runs"][0]
    assert (
        first["kind"] == "train"
        and first["model"] == "random_forest"
        and first["experiment"] == "bc"
    )
    assert "holdout_roc_auc" in first["metrics"] and listed["tracking_uri"] == ".moai/ml/mlflow.db"


async def test_runs_filter_by_spec_model_and_a_metric_condition(client, runs):
    by_spec = await call(client, "ml_list_runs", spec_id="ML-001")
    assert {r["model"] for r in by_spec["runs"]} == {"logistic_regression", "knn"}
    by_model = await call(client, "ml_list_runs", model="knn")
    assert [r["run_id"] for r in by_model["runs"]] == [runs["knn"]["run_id"]]
    floor = runs["knn"]["metrics"]["accuracy"]
    better = await call(
        client, "ml_list_runs", metric_filter=f"holdout_accuracy > {floor}", experiment="bc"
    )
    assert all(r["run_id"] != runs["knn"]["run_id"] for r in better["runs"])


async def test_runs_sort_by_a_metric_in_either_direction(client, runs):
    down = await call(client, "ml_list_runs", order_by="holdout_log_loss", experiment="bc")
    up = await call(
        client, "ml_list_runs", order_by="holdout_log_loss", ascending=True, experiment="bc"
    )
    losses = [r["metrics"]["holdout_log_loss"] for r in up["runs"]]
    assert losses == sorted(losses) and list(reversed(up["runs"])) == down["runs"]
    limited = await call(client, "ml_list_runs", max_results=1)
    assert limited["count"] == 1


async def test_get_run_shows_params_metrics_tags_and_artifacts(client, runs, project: Path):
    detail = await call(client, "ml_get_run", run_id=runs["logistic_regression"]["run_id"])
    assert (
        detail["params"]["model"] == "logistic_regression" and detail["params"]["model.C"] == "1.0"
    )
    assert (
        detail["tags"]["moai.spec_id"] == "ML-001"
        and detail["tags"]["moai.data_path"] == "data/breast_cancer.csv"
    )
    assert detail["metrics"]["holdout_f1_macro"] == pytest.approx(
        runs["logistic_regression"]["metrics"]["f1_macro"]
    )
    assert set(detail["artifacts"]) >= {"moai", "plots", "split"}
    assert (
        detail["model_uri"] == runs["logistic_regression"]["model_uri"] and detail["children"] == 0
    )


async def test_a_trains_answer_reports_its_run_as_the_store_reads_it_back(runs, project: Path):
    """ml_train reports what it wrote without reading the run back: the experiment, the model,
    the artifact folder and the verdict (with and without SPEC gates) are the stored ones."""
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.tracking.locations import local_path, tracking_uri
    from mcp_server.ml.tracking.runs import RunStore

    workspace = Workspace(project)
    store = RunStore(workspace, tracking_uri(project))  # a store of its own: nothing cached
    for answer in runs.values():
        run = store.get_run(answer["run_id"])
        folder = local_path(run.artifact_uri)
        assert folder is not None
        stored = {
            "experiment": store.experiment_name(run),
            "model_uri": f"models:/{run.model_id}",
            "artifacts": workspace.relative(folder),
            "gates_passed": run.verdict.gates_passed,
            "rejected_reason": run.verdict.reason,
        }
        assert {key: answer[key] for key in stored} == stored
    assert {a["gates_passed"] for a in runs.values()} > {None}  # SPEC gates judged, and none


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `mlflow server` on 127.0.0.1 with its own SQLite store and proxied artifacts."""
    home = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    mlflow = Path(sys.executable).parent / "mlflow"
    cmd = [
        str(mlflow),
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--backend-store-uri",
        f"sqlite:///{home}/server.db",
        "--artifacts-destination",
        str(home / "artifacts"),
    ]
    with running(cmd, home, f"http://127.0.0.1:{port}/health", timeout=120):
        yield f"http://127.0.0.1:{port}"


@pytest.mark.slow
@pytest.mark.external  # an `mlflow server` process
async def test_runs_logged_through_the_tools_are_visible_through_a_tracking_servers_rest_api(
    mlflow_server: str, tmp_path: Path
):
    project = copy_examples(tmp_path / "project")
    async with client_with_env(project, MLFLOW_TRACKING_URI=mlflow_server) as client:
        trained = await call(
            client,
            "ml_train",
            data_path="data/diabetes.csv",
            target="progression",
            model="ridge",
            spec_id="ML-002",
        )
        evaluated = await call(client, "ml_evaluate", run_id=trained["run_id"], cv_folds=3)
        compared = await call(
            client,
            "ml_compare_models",
            data_path="data/diabetes.csv",
            target="progression",
            models=["ridge", "linear_regression"],
            cv_folds=2,
        )
        listed = await call(client, "ml_list_runs", spec_id="ML-002")
    assert not (project / ".moai/ml/mlflow.db").exists(), "the local store must not be used"
    api = f"{mlflow_server}/api/2.0/mlflow"
    run = httpx.get(f"{api}/runs/get", params={"run_id": trained["run_id"]}, timeout=30).json()[
        "run"
    ]
    tags = {t["key"]: t["value"] for t in run["data"]["tags"]}
    metrics = {m["key"]: m["value"] for m in run["data"]["metrics"]}
    params = {p["key"]: p["value"] for p in run["data"]["params"]}
    assert (
        tags["moai.spec_id"] == "ML-002"
        and tags["moai.rows"] == "442"
        and len(tags["moai.data_sha256"]) == 64
    )
    assert metrics["holdout_rmse"] == pytest.approx(trained["metrics"]["rmse"])
    assert metrics["cv_rmse_mean"] == pytest.approx(evaluated["cv"]["rmse"]["mean"])
    assert params["model"] == "ridge"
    files = httpx.get(
        f"{api}/artifacts/list", params={"run_id": trained["run_id"]}, timeout=30
    ).json()["files"]
    assert {"moai", "plots", "split", "evaluations"} <= {f["path"] for f in files}
    parent = httpx.get(f"{api}/runs/get", params={"run_id": compared["run_id"]}, timeout=30).json()[
        "run"
    ]
    query = {
        "experiment_ids": [parent["info"]["experiment_id"]],
        "filter": f"tags.mlflow.parentRunId = '{compared['run_id']}'",
    }
    search = httpx.post(f"{api}/runs/search", json=query, timeout=30).json()
    assert len(search["runs"]) == 2
    assert [r["run_id"] for r in listed["runs"]] == [trained["run_id"]]
