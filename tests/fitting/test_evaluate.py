"""`ml_evaluate` over stdio: every number checked against scikit-learn's own functions."""

from __future__ import annotations

import base64
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as m
from sklearn.model_selection import StratifiedKFold, cross_validate

from mcp_server.files.workspace import Workspace
from mcp_server.ml.modeling.preprocess import build_pipeline, coerce_frame, encode_target
from mcp_server.ml.tracking.runs import get_store
from tests.support import copy_examples, inprocess_client, structured
from tests.train_support import call, call_error

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("test_evaluate")]
ROUND = 1e-6


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_examples(tmp_path_factory.mktemp("evaluate") / "project")


@pytest.fixture(scope="module")
async def client(project: Path):  # type: ignore[no-untyped-def]
    async with inprocess_client(project) as client:
        yield client


async def _train(client, path: str, target: str, model: str, **params) -> str:  # type: ignore[no-untyped-def]
    return (
        await call(client, "ml_train", data_path=path, target=target, model=model, params=params)
    )["run_id"]


def _holdout(project: Path, run_id: str, path: str) -> tuple[object, object, object]:
    """The run's own model and holdout rows, rebuilt in the test from the run store."""
    loaded = get_store(Workspace(project)).load_run(run_id)
    index = np.load(loaded.moai_dir.parent / "split" / "holdout_index.npy")
    frame = pd.read_csv(project / path).iloc[index]
    schema = loaded.schema
    return loaded.model, coerce_frame(frame, schema), encode_target(frame[schema.target], schema)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


async def test_binary_metrics_equal_scikit_learns_own_on_the_same_predictions(
    client, project: Path
):
    run_id = await _train(client, "data/breast_cancer.csv", "target", "logistic_regression")
    result = await call(client, "ml_evaluate", run_id=run_id)
    model, X, y = _holdout(project, run_id, "data/breast_cancer.csv")
    pred, proba = model.predict(X), model.predict_proba(X)
    got = result["metrics"]
    expected = {
        "accuracy": m.accuracy_score(y, pred),
        "balanced_accuracy": m.balanced_accuracy_score(y, pred),
        "precision_macro": m.precision_score(y, pred, average="macro"),
        "recall_macro": m.recall_score(y, pred, average="macro"),
        "f1_macro": m.f1_score(y, pred, average="macro"),
        "f1_weighted": m.f1_score(y, pred, average="weighted"),
        "precision_weighted": m.precision_score(y, pred, average="weighted"),
        "recall_weighted": m.recall_score(y, pred, average="weighted"),
        "f1": m.f1_score(y, pred),
        "precision": m.precision_score(y, pred),
        "recall": m.recall_score(y, pred),
        "roc_auc": m.roc_auc_score(y, proba[:, 1]),
        "log_loss": m.log_loss(y, proba),
    }
    assert set(got) == set(expected)
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=ROUND), name
    assert result["confusion_matrix"] == m.confusion_matrix(y, pred).tolist()
    assert result["evaluated_on"] == "holdout" and result["rows"] == len(y)


async def test_multiclass_metrics_use_one_vs_rest_roc_auc_like_scikit_learn(client, project: Path):
    run_id = await _train(client, "data/customers.csv", "segment", "random_forest", n_estimators=40)
    result = await call(client, "ml_evaluate", run_id=run_id)
    model, X, y = _holdout(project, run_id, "data/customers.csv")
    pred, proba = model.predict(X), model.predict_proba(X)
    got = result["metrics"]
    assert got["roc_auc"] == pytest.approx(m.roc_auc_score(y, proba, multi_class="ovr"), abs=ROUND)
    assert got["f1_macro"] == pytest.approx(m.f1_score(y, pred, average="macro"), abs=ROUND)
    assert got["log_loss"] == pytest.approx(m.log_loss(y, proba), abs=ROUND)
    assert got["balanced_accuracy"] == pytest.approx(m.balanced_accuracy_score(y, pred), abs=ROUND)
    assert result["confusion_matrix"] == m.confusion_matrix(y, pred).tolist()
    assert result["labels"] == sorted(
        pd.read_csv(project / "data/customers.csv")["segment"].dropna().unique()
    )


async def test_regression_metrics_equal_scikit_learns_and_come_with_residual_plots(
    client, project: Path
):
    run_id = await _train(client, "data/diabetes.csv", "progression", "ridge")
    raw = await client.call_tool("ml_evaluate", {"run_id": run_id})
    result = structured(raw)
    model, X, y = _holdout(project, run_id, "data/diabetes.csv")
    pred = model.predict(X)
    expected = {
        "rmse": m.root_mean_squared_error(y, pred),
        "mae": m.mean_absolute_error(y, pred),
        "r2": m.r2_score(y, pred),
        "mape": m.mean_absolute_percentage_error(y, pred),
        "wape": float(np.abs(y - pred).sum() / np.abs(y).sum()),
    }
    for name, value in expected.items():
        assert result["metrics"][name] == pytest.approx(value, abs=ROUND), name
    assert {"residuals", "actual_vs_predicted", "feature_importance"} <= set(result["plots"])
    assert [c.type for c in raw.content] == ["text", "image"]
    assert result["importance_method"].startswith("|coefficient|")


async def test_plots_are_png_files_and_two_come_back_as_small_images(client, project: Path):
    run_id = await _train(
        client, "data/breast_cancer.csv", "target", "random_forest", n_estimators=30
    )
    raw = await client.call_tool("ml_evaluate", {"run_id": run_id})
    result = structured(raw)
    assert set(result["plots"]) == {
        "confusion_matrix",
        "roc_curve",
        "precision_recall",
        "calibration",
        "feature_importance",
    }
    for rel in result["plots"].values():
        width, _ = _png_size((project / rel).read_bytes())
        assert width >= 500
    images = [c for c in raw.content if c.type == "image"]
    assert len(images) == 2 and all(c.mime_type == "image/png" for c in images)
    assert all(_png_size(base64.b64decode(c.data))[0] <= 300 for c in images)
    assert result["importance_method"] == "model" and result["top_features"][0]["value"] > 0
    assert (project / result["report"]).is_file()
    artifacts = get_store(Workspace(project)).client.list_artifacts(run_id, "evaluations/holdout")
    assert "evaluations/holdout/confusion_matrix.png" in {a.path for a in artifacts}


async def test_models_without_importances_get_permutation_importance(client):
    run_id = await _train(client, "data/breast_cancer.csv", "target", "knn")
    result = await call(client, "ml_evaluate", run_id=run_id)
    assert result["importance_method"] == "permutation"
    assert result["top_features"] and all(
        f["feature"] != "patient_id" for f in result["top_features"]
    )


async def test_cv_folds_give_the_mean_and_std_scikit_learn_gets(client, project: Path):
    run_id = await _train(client, "data/breast_cancer.csv", "target", "logistic_regression")
    result = await call(client, "ml_evaluate", run_id=run_id, cv_folds=4)
    loaded = get_store(Workspace(project)).load_run(run_id)
    frame = pd.read_csv(project / "data/breast_cancer.csv")
    X, y = coerce_frame(frame, loaded.schema), encode_target(frame["target"], loaded.schema)
    folds = StratifiedKFold(4, shuffle=True, random_state=42)
    pipeline = build_pipeline(loaded.schema, "logistic_regression", {}, 42)
    scores = cross_validate(pipeline, X, y, cv=folds, scoring=["roc_auc", "accuracy"])
    assert result["cv_folds"] == 4
    assert result["cv"]["roc_auc"]["mean"] == pytest.approx(
        scores["test_roc_auc"].mean(), abs=ROUND
    )
    assert result["cv"]["accuracy"]["std"] == pytest.approx(
        scores["test_accuracy"].std(), abs=ROUND
    )
    run = await call(client, "ml_get_run", run_id=run_id)
    assert run["metrics"]["cv_roc_auc_mean"] == pytest.approx(result["cv"]["roc_auc"]["mean"])


async def test_evaluating_on_a_new_table_scores_every_labelled_row(client, project: Path):
    run_id = await _train(client, "data/breast_cancer.csv", "target", "logistic_regression")
    frame = pd.read_csv(project / "data/breast_cancer.csv")
    frame.sample(150, random_state=1).to_csv(project / "data/new_batch.csv", index=False)
    result = await call(client, "ml_evaluate", run_id=run_id, data_path="data/new_batch.csv")
    assert result["rows"] == 150 and result["evaluated_on"] == "data/new_batch.csv"
    assert all(Path(p).parent.name.startswith("data-new_batch-") for p in result["plots"].values())


async def test_evaluation_refuses_unknown_runs_and_tables_without_the_target(client, project: Path):
    text = await call_error(client, "ml_evaluate", run_id="0123456789abcdef0123456789abcdef")
    assert "not found" in text and "ml_list_runs" in text
    run_id = await _train(client, "data/diabetes.csv", "progression", "ridge")
    pd.read_csv(project / "data/diabetes.csv").drop(columns="progression").to_csv(
        project / "data/x.csv", index=False
    )
    text = await call_error(client, "ml_evaluate", run_id=run_id, data_path="data/x.csv")
    assert "no target column 'progression'" in text
    text = await call_error(client, "ml_evaluate", run_id=run_id, data_path="../outside.csv")
    assert "outside the workspace" in text
    assert (await call(client, "ml_list_runs"))["count"] >= 1  # the server is still there


async def test_a_run_logged_through_the_store_api_is_listed_and_evaluated_on_a_given_table(
    client, project: Path
):
    from mcp_server.ml.modeling.dataset import prepare
    from mcp_server.ml.tracking.records import data_tags, fitted_record

    data = prepare(project / "data/diabetes.csv", "progression")
    model = build_pipeline(data.schema, "ridge", {}, 0).fit(data.X, data.y)
    store = get_store(Workspace(project))
    with store.scratch() as tmp:
        run_id = store.record(
            fitted_record(
                Path(tmp),
                experiment="SPEC-ML-002",
                run_name="ML-002 green ridge",
                kind="tdd_green",
                model=model,
                schema=data.schema,
                model_name="ridge",
                params={"alpha": 1.0},
                metrics={"rmse": 50.0},
                extra_tags={"moai.spec_id": "ML-002", "moai.phase": "tdd-green"},
                data=data_tags(project / "data/diabetes.csv", "data/diabetes.csv"),
                input_example=data.X.head(3),
            )
        )
    listed = await call(client, "ml_list_runs", kind="tdd_green", spec_id="ML-002")
    assert [r["run_id"] for r in listed["runs"]] == [run_id]
    text = await call_error(client, "ml_evaluate", run_id=run_id)
    assert "recorded no holdout split" in text and "pass data_path" in text
    result = await call(client, "ml_evaluate", run_id=run_id, data_path="data/diabetes.csv")
    assert result["rows"] == 442 and result["metrics"]["rmse"] is not None
