"""`ml_compare_models` of a partitioned dataset on the Dask cluster (a real `dask scheduler` and
two `dask worker` processes): XGBoost and LightGBM cross-validated on folds drawn by a hash of
each row, each candidate recorded as a local comparison records it; a family without a Dask
estimator refused by name."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from mcp_server.core import settings
from tests.cluster.test_train_cluster import partitioned
from tests.support import error_text, inprocess_client, structured

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("dask_compare")]
TREES = {"n_estimators": 30}
FOLDS = 2


def one_process_cv(frame: Any, schema: Any) -> float:
    """XGBoost's mean fold AUC fitted in this process on the very hash-drawn folds."""
    from sklearn.metrics import roc_auc_score

    from mcp_server.ml.data.hash_split import Fold
    from mcp_server.ml.modeling.preprocess import build_pipeline, coerce_frame, encode_target

    scores = []
    for fold in Fold.all_of(tuple(frame.columns), 42, FOLDS):
        held = fold.held_out(frame)
        train, test = frame.loc[~held], frame.loc[held]
        pipeline = build_pipeline(schema, "xgboost", TREES, 42)
        pipeline.fit(coerce_frame(train, schema), encode_target(train["label"], schema))
        proba = pipeline.predict_proba(coerce_frame(test, schema))[:, 1]
        scores.append(roc_auc_score(encode_target(test["label"], schema), proba))
    return float(np.mean(scores))


@pytest.mark.slow
async def test_boosters_compared_on_the_cluster_score_their_hash_folds_as_one_process_does(
    tmp_path, dask_cluster, monkeypatch
):
    from tests.cluster.test_train_cluster import run_model

    frame = partitioned(tmp_path, rows=2000)
    monkeypatch.setenv(settings.CLUSTER.name, dask_cluster.scheduler_address)
    args = {
        "data_path": "data/parts",
        "target": "label",
        "models": ["xgboost", "lightgbm"],
        "cv_folds": FOLDS,
        "params": {"xgboost": TREES, "lightgbm": TREES},
    }
    async with inprocess_client(tmp_path) as client:
        result = structured(await client.call_tool("ml_compare_models", args))
        listed = structured(await client.call_tool("ml_list_runs", {}))
        trained = structured(
            await client.call_tool(
                "ml_train",
                {"data_path": "data/parts", "target": "label", "model": "xgboost", "params": TREES},
            )
        )
    assert result["metric"] == "roc_auc" and result["rows"] == len(frame)
    assert result["ran_on"].startswith(f"{dask_cluster.scheduler_address}: 2 workers")
    assert {e["model"] for e in result["leaderboard"]} == {"xgboost", "lightgbm"}
    assert listed["count"] == 3, "the compare run and one run per candidate"
    board = {e["model"]: e for e in result["leaderboard"]}
    _model, schema = run_model(tmp_path, trained["run_id"])  # the cluster's schema
    assert board["xgboost"]["score"] == pytest.approx(one_process_cv(frame, schema), abs=1e-3)


async def test_a_cluster_comparison_refuses_a_family_without_a_dask_estimator_by_name(
    tmp_path, monkeypatch
):
    partitioned(tmp_path, rows=200)
    monkeypatch.setenv(settings.CLUSTER.name, "tcp://127.0.0.1:9")  # refused before it is opened
    async with inprocess_client(tmp_path) as client:
        result = await client.call_tool(
            "ml_compare_models",
            {"data_path": "data/parts", "target": "label", "models": ["xgboost", "random_forest"]},
        )
    assert result.is_error and "\n" not in error_text(result).strip()
    assert error_text(result).startswith("random_forest cannot train on a Dask cluster; the ")
    assert "pass one as model= (or train on one file, without the SPEC's cluster" in error_text(
        result
    )
