"""Bad input to the training tools: a clear error that says what to do, and a server that lives
on."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mcp_server.ml.modeling.registry import REGISTRY
from tests.support import copy_examples, inprocess_client
from tests.train_support import call, call_error, staging_left

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("test_train_errors")]
BC = {"data_path": "data/breast_cancer.csv", "target": "target"}


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_examples(tmp_path_factory.mktemp("errors") / "project")
    frame = pd.read_csv(root / "data/customers.csv")
    frame.assign(segment="premium").to_csv(root / "data/one_class.csv", index=False)
    lonely = frame.dropna(subset=["segment"]).copy()
    lonely.loc[lonely.index[0], "segment"] = "vip"  # a class with a single row
    lonely.to_csv(root / "data/lonely_class.csv", index=False)
    (root / "data/corrupt.csv").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    (root / "data/empty.csv").write_bytes(b"")
    pd.concat([frame] * 20).to_csv(root / "data/big.csv", index=False)  # ~1.2 MB on disk
    return root


@pytest.fixture(scope="module")
async def client(project: Path):  # type: ignore[no-untyped-def]
    async with inprocess_client(project) as client:
        yield client


async def test_an_unknown_model_name_lists_the_valid_ones(client):
    text = await call_error(client, "ml_train", **BC, model="deep_forest")
    assert "unknown model 'deep_forest'" in text
    assert all(name in text for name in REGISTRY)


async def test_params_the_estimator_rejects_come_back_in_its_own_words(client):
    text = await call_error(
        client, "ml_train", **BC, model="random_forest", params={"n_estimators": -5}
    )
    assert "invalid params for random_forest" in text
    assert (
        "The 'n_estimators' parameter of RandomForestClassifier must be an int in the "
        "range [1, inf)" in text
    )
    text = await call_error(client, "ml_train", **BC, model="random_forest", params={"n_trees": 5})
    assert "unexpected keyword argument 'n_trees'" in text and "Traceback" not in text


async def test_a_target_with_one_class_is_refused(client):
    text = await call_error(client, "ml_train", data_path="data/one_class.csv", target="segment")
    assert "has 1 distinct value(s); a model needs at least two" in text


async def test_a_non_numeric_target_cannot_be_a_regression_target(client):
    text = await call_error(
        client, "ml_train", data_path="data/customers.csv", target="segment", task="regression"
    )
    assert "task is regression but target 'segment' is not numeric" in text
    text = await call_error(
        client, "ml_train", data_path="data/customers.csv", target="segment", model="ridge"
    )
    assert "does not support task 'multiclass'" in text


async def test_a_class_with_a_single_row_cannot_be_split_stratified(client):
    text = await call_error(client, "ml_train", data_path="data/lonely_class.csv", target="segment")
    assert "['vip']" in text and "fewer than 2 rows" in text


async def test_missing_files_columns_and_paths_outside_the_workspace_are_refused(
    client, project: Path
):
    assert "file not found" in await call_error(
        client, "ml_train", data_path="data/nope.csv", target="x"
    )
    assert "outside the workspace" in await call_error(
        client, "ml_train", data_path="../../etc/passwd", target="x"
    )
    text = await call_error(client, "ml_train", **{**BC, "target": "diagnosis"})
    assert "target column 'diagnosis' not found" in text and "'mean radius'" in text
    text = await call_error(client, "ml_train", **BC, drop=["no_such_column"])
    assert "drop lists columns that are not in" in text
    assert "binary file" in await call_error(
        client, "ml_train", data_path="data/corrupt.csv", target="x"
    )
    assert "empty" in await call_error(client, "ml_train", data_path="data/empty.csv", target="x")
    assert staging_left(project) == []


async def test_wrong_argument_types_and_ranges_are_refused_by_the_schema(client):
    text = await call_error(client, "ml_train", **BC, test_size=0.9)
    assert "test_size" in text
    text = await call_error(client, "ml_train", **BC, time_budget_s=-1)
    assert "time_budget_s" in text
    text = await call_error(client, "ml_train", **BC, params=["n_estimators", 5])
    assert "params" in text


async def test_the_server_still_trains_after_every_refusal(client):
    result = await call(
        client, "ml_train", data_path="data/diabetes.csv", target="progression", model="ridge"
    )
    assert result["task"] == "regression"


async def test_a_table_too_large_for_memory_is_refused_before_loading(
    project: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("MOAI_ML_MAX_MEMORY_MB", "1")  # read by the server at each call
    async with inprocess_client(project) as client:
        text = await call_error(client, "ml_train", data_path="data/big.csv", target="segment")
        assert (
            "loading it needs about" in text
            and "is available" in text
            and "Sample it first" in text
        )
        text = await call_error(
            client,
            "ml_compare_models",
            data_path="data/big.csv",
            target="segment",
            background=False,
        )
        assert "loading it needs about" in text


async def test_list_and_get_refuse_bad_filters_and_unknown_runs(client):
    text = await call_error(client, "ml_list_runs", metric_filter="roc_auc >= 0.9; drop table runs")
    assert "must look like" in text
    text = await call_error(client, "ml_get_run", run_id="0123456789abcdef0123456789abcdef")
    assert "not found" in text
    text = await call_error(client, "ml_list_runs", experiment="no such experiment")
    assert "experiment 'no such experiment' not found" in text
