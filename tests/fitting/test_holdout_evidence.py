"""Beside each holdout number, what a reviewer asks for: how sure it is (a 95 % bootstrap interval
on a holdout under 1,000 rows), what a baseline scores on the same rows, and the threshold in use.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.metrics import f1_score, mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split

from mcp_server.ml.modeling.dataset import prepare
from tests.support import copy_examples, inprocess_client
from tests.train_support import call

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("test_holdout_evidence")]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_examples(tmp_path_factory.mktemp("evidence") / "project")


@pytest.fixture(scope="module")
async def client(project: Path):  # type: ignore[no-untyped-def]
    async with inprocess_client(project) as client:
        yield client


async def test_a_small_holdout_gives_the_interval_the_majority_baseline_and_the_threshold(
    client, project: Path
):
    result = await call(
        client,
        "ml_train",
        data_path="data/breast_cancer.csv",
        target="target",
        model="logistic_regression",
        drop=["patient_id"],
    )
    evidence = result["evidence"]
    reported = {name for name, value in result["metrics"].items() if value is not None}
    assert result["test_rows"] < 1000 and set(evidence["interval_95"]) == reported
    assert {"precision_weighted", "recall_weighted", "log_loss", "f1"} <= reported
    for name, (low, high) in evidence["interval_95"].items():
        assert low <= result["metrics"][name] <= high, name
    low, high = evidence["interval_95"]["roc_auc"]
    assert high - low > 0.001
    data = prepare(project / "data/breast_cancer.csv", "target", drop=["patient_id"])
    train, test = train_test_split(
        np.arange(len(data.y)), test_size=0.2, random_state=42, stratify=data.y
    )
    dummy = DummyClassifier(strategy="prior").fit(data.X.iloc[train], data.y[train])
    majority = np.bincount(data.y[train]).max() / len(train)
    assert evidence["baseline"] == f"the majority class ({majority:.0%} of training rows)"
    expected = roc_auc_score(data.y[test], dummy.predict_proba(data.X.iloc[test])[:, 1])
    assert evidence["baseline_metrics"]["roc_auc"] == pytest.approx(expected) == 0.5
    assert evidence["baseline_metrics"]["accuracy"] == pytest.approx(
        float(np.mean(data.y[test] == dummy.predict(data.X.iloc[test]))), abs=1e-4
    )
    labels = result["labels"]
    assert (
        evidence["threshold"]
        == f"{labels[1]} when its probability is at least 0.5, else {labels[0]}"
    )

    evaluated = await call(client, "ml_evaluate", run_id=result["run_id"])
    again = evaluated["evidence"]
    assert again["baseline"] == evidence["baseline"]  # the run recorded its training prior
    assert set(again["interval_95"]) >= {"roc_auc", "accuracy", "f1"}
    for name, (low, high) in again["interval_95"].items():
        assert low <= evaluated["metrics"][name] <= high, name


async def test_a_regression_baseline_is_the_training_mean_scored_on_the_same_rows(
    client, project: Path
):
    result = await call(
        client, "ml_train", data_path="data/diabetes.csv", target="progression", model="ridge"
    )
    evidence = result["evidence"]
    data = prepare(project / "data/diabetes.csv", "progression")
    train, test = train_test_split(np.arange(len(data.y)), test_size=0.2, random_state=42)
    dummy = DummyRegressor().fit(data.X.iloc[train], data.y[train])
    rmse = mean_squared_error(data.y[test], dummy.predict(data.X.iloc[test])) ** 0.5
    assert evidence["baseline_metrics"]["rmse"] == pytest.approx(rmse, abs=1e-3)
    assert evidence["baseline"].startswith("the mean of the training rows (")
    assert "threshold" not in evidence
    reported = {name for name, value in result["metrics"].items() if value is not None}
    assert set(evidence["interval_95"]) == reported and "wape" in reported
    for name, (low, high) in evidence["interval_95"].items():
        assert low <= result["metrics"][name] <= high, name
    assert result["metrics"]["rmse"] < rmse  # the model beats its baseline


async def test_a_holdout_of_1000_rows_or_more_gets_no_interval_in_train_or_evaluate(
    client, project: Path
):
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(5000, 3))
    table = pd.DataFrame(rows, columns=["a", "b", "c"])
    table["label"] = np.where(rows[:, 0] + rng.normal(size=5000) > 0, "yes", "no")
    table.to_csv(project / "data/large_holdout.csv", index=False)
    result = await call(
        client,
        "ml_train",
        data_path="data/large_holdout.csv",
        target="label",
        model="logistic_regression",
    )
    assert result["test_rows"] == 1000
    assert "interval_95" not in result["evidence"] and result["evidence"]["baseline_metrics"]
    evaluated = await call(client, "ml_evaluate", run_id=result["run_id"])
    assert "interval_95" not in evaluated["evidence"] and evaluated["metrics"]["roc_auc"] > 0.6


def test_a_multiclass_f1_baseline_predicts_the_majority_class_for_every_row():
    from mcp_server.ml.modeling.holdout_stats import Scored, evidence

    y = np.array([0, 1, 2, 2, 1, 2, 0, 2])
    scored = Scored(y, np.array([0, 1, 2, 1, 1, 2, 0, 2]), None, 3, "multiclass")
    found = evidence(scored, {"shares": [0.2, 0.3, 0.5]}, ["f1_macro"], ["a", "b", "c"])
    expected = f1_score(y, np.full(8, 2), average="macro", zero_division=0)
    assert found["baseline_metrics"]["f1_macro"] == pytest.approx(expected, abs=1e-4)
    assert found["threshold"] == "the class with the highest probability"
    assert found["baseline"] == "the majority class (50% of training rows)"
