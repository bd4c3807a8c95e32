"""`ml_evaluate` of a run trained on the Dask cluster (a real `dask scheduler` and two `dask
worker` processes): its holdout drawn again by the rule the run's files keep (a hash of the row),
each partition scored where it lies, the metrics those the training reported and those one
process computes on the same rows; new partitions are scored whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import numpy as np
import pandas as pd
import pytest

from mcp_server.core import settings
from tests.cluster.test_train_cluster import PARAMS, partitioned, run_model
from tests.support import error_text, inprocess_client, structured

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.xdist_group("dask_evaluate")]


@pytest.fixture(scope="module")
def cluster_run(
    tmp_path_factory: pytest.TempPathFactory, dask_cluster: Any
) -> tuple[Path, pd.DataFrame, dict[str, Any]]:
    """A project whose partitions trained xgboost on the cluster: (project, rows, ml_train's
    result)."""
    project = tmp_path_factory.mktemp("evaluate")
    frame = partitioned(project)

    async def train() -> dict[str, Any]:
        async with inprocess_client(project) as client:
            args = {"data_path": "data/parts", "target": "label", "model": "xgboost"}
            return structured(await client.call_tool("ml_train", {**args, "params": PARAMS}))

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(settings.CLUSTER.name, dask_cluster.scheduler_address)
        return project, frame, anyio.run(train)


async def evaluate(project: Path, run_id: str, **args: Any) -> Any:
    async with inprocess_client(project) as client:
        return await client.call_tool("ml_evaluate", {"run_id": run_id, **args})


def one_process_metrics(project: Path, run_id: str, rows: pd.DataFrame) -> dict[str, Any]:
    """The run's model scored in this process on `rows`, by the metric table every tool uses."""
    from mcp_server.ml.fitting.holdout_scoring import predict_both, score
    from mcp_server.ml.modeling.preprocess import coerce_frame, encode_target

    model, schema = run_model(project, run_id)
    pred, proba = predict_both(model, coerce_frame(rows, schema), schema.task)
    y = encode_target(rows["label"], schema)
    return score(schema.task, y, np.asarray(pred, dtype=np.int64), proba, len(schema.classes))[0]


async def test_a_cluster_run_evaluated_scores_exactly_its_training_holdout_on_the_cluster(
    cluster_run, dask_cluster, monkeypatch
):
    from mcp_server.ml.data.hash_split import Split

    project, frame, trained = cluster_run
    monkeypatch.setenv(settings.CLUSTER.name, dask_cluster.scheduler_address)
    result = structured(await evaluate(project, trained["run_id"]))
    assert result["evaluated_on"] == "holdout" and result["rows"] == trained["test_rows"]
    assert result["metrics"] == trained["metrics"]
    assert f"scored on {dask_cluster.scheduler_address}: 2 workers" in " ".join(result["warnings"])
    held = frame.loc[Split(tuple(frame.columns), 42, 0.2).held_out(frame)]
    local = one_process_metrics(project, trained["run_id"], held)
    assert result["metrics"] == pytest.approx(local, abs=1e-9)
    assert (project / result["report"]).is_file() and result["plots"]


async def test_new_partitions_are_scored_whole_on_the_cluster_as_one_process_scores_them(
    cluster_run, dask_cluster, monkeypatch
):
    project, frame, trained = cluster_run
    fresh = project / "data/fresh"
    fresh.mkdir(exist_ok=True)
    new = frame.sample(frac=0.5, random_state=3)
    new.loc[new.index[:25], "label"] = None  # unlabelled rows are left out, as for a table
    for i, part in enumerate(np.array_split(np.arange(len(new)), 3)):
        new.iloc[part].to_parquet(fresh / f"p{i}.parquet", index=False)
    monkeypatch.setenv(settings.CLUSTER.name, dask_cluster.scheduler_address)
    result = structured(await evaluate(project, trained["run_id"], data_path="data/fresh"))
    labelled = new.loc[new["label"].notna()]
    assert result["rows"] == len(labelled) and result["evaluated_on"] == "data/fresh"
    local = one_process_metrics(project, trained["run_id"], labelled)
    assert result["metrics"] == pytest.approx(local, abs=1e-9)


async def test_a_cluster_run_whose_partitions_changed_is_refused_naming_data_path(
    cluster_run, dask_cluster, monkeypatch, tmp_path
):
    from tests.support import copy_workspace

    source, frame, trained = cluster_run
    project = copy_workspace(source, tmp_path / "copy")
    frame.head(10).to_parquet(project / "data/parts/part-9.parquet", index=False)
    monkeypatch.setenv(settings.CLUSTER.name, dask_cluster.scheduler_address)
    result = await evaluate(project, trained["run_id"])
    assert result.is_error and "\n" not in error_text(result).strip()
    assert "changed since run" in error_text(result) and "pass data_path" in error_text(result)
    asked = await evaluate(project, trained["run_id"], data_path="data/parts", cv_folds=3)
    assert "compare families with ml_compare_models" in error_text(asked)


async def test_the_model_card_of_a_cluster_run_reads_the_holdout_its_hash_rule_draws(cluster_run):
    """The card reads the run's rows in this process (`tracking/run_data`): its holdout is the
    one the hash rule kept on the cluster, so the card's metrics are the training's."""
    project, _frame, trained = cluster_run
    async with inprocess_client(project) as client:
        result = await client.call_tool("ml_model_card", {"run_id": trained["run_id"]})
    assert not result.is_error, error_text(result)
    card = structured(result)
    assert card["metrics"] == pytest.approx(trained["metrics"], abs=1e-9)
    markdown = (project / card["markdown"]).read_text(encoding="utf-8")
    assert f"the {trained['test_rows']} holdout rows drawn again by the run's hash rule" in markdown
