"""`ml_batch_score` in the test process: a trained run's model over a partitioned dataset, one
output file per partition, the same scores as the model gives the rows in memory, resumed without
redoing finished partitions, and hostile paths refused before anything is written."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tracking.runs import get_store
from tests.support import error_text, inprocess_client, structured

pytestmark = pytest.mark.anyio


def split_parquet(project: Path, folder: str = "data/parts", parts: int = 4) -> pd.DataFrame:
    """breast_cancer.csv as `parts` Parquet files (without the target: rows to score)."""
    rows = pd.read_csv(project / "data/breast_cancer.csv").drop(columns=["target"])
    (project / folder).mkdir(parents=True)
    size = -(-len(rows) // parts)
    for i in range(parts):
        rows.iloc[i * size : (i + 1) * size].to_parquet(project / folder / f"part.{i}.parquet")
    return rows


def expected(project: Path, run_id: str, rows: pd.DataFrame) -> tuple[Any, Any]:
    """The run's model on the rows in memory, labels restored: what every partition must hold."""
    from mcp_server.ml.fitting.holdout_scoring import predict_both
    from mcp_server.ml.modeling.preprocess import coerce_frame

    loaded = get_store(Workspace(project)).load_run(run_id)
    pred, proba = predict_both(loaded.model, coerce_frame(rows, loaded.schema), "binary")
    labels = [str(c) for c in loaded.schema.classes]
    return [labels[int(p)] for p in pred], proba


def read_scores(project: Path, output: str) -> pd.DataFrame:
    files = sorted((project / output).glob("*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


async def test_every_partition_gets_the_models_predictions_probabilities_and_run_id(trained):
    project, runs = trained
    run_id = runs["logistic"]["run_id"]
    rows = split_parquet(project)
    async with inprocess_client(project) as client:
        result = structured(
            await client.call_tool(
                "ml_batch_score",
                {"model": run_id, "data_path": "data/parts", "keep": ["patient_id"]},
            )
        )
    assert result["ran_on"].startswith("local; ") and result["ran_on"].endswith(" rows/s")
    assert result["model"] == f"run {run_id}"
    assert result["scored"] == 4 and result["resumed"] == 0
    assert result["rows"] == len(rows)
    output = result["output"]
    assert output == f"scores/parts-{run_id[:8]}"
    assert sorted(p.name for p in (project / output).glob("*.parquet")) == [
        f"part.{i}.parquet" for i in range(4)
    ]
    scores = read_scores(project, output)
    pred, proba = expected(project, run_id, rows)
    assert scores["patient_id"].tolist() == rows["patient_id"].tolist()
    assert scores["prediction"].tolist() == pred
    assert scores[["proba_0", "proba_1"]].to_numpy() == pytest.approx(proba)
    assert set(scores["moai_run_id"]) == {run_id} and set(scores["moai_model_version"]) == {""}
    assert ", ".join(scores.columns) in result["next_step"]


async def test_a_second_call_scores_only_the_partitions_that_are_not_done(trained):
    project, runs = trained
    run_id = runs["logistic"]["run_id"]
    split_parquet(project)
    args = {"model": run_id, "data_path": "data/parts/", "output": "out/scores"}
    async with inprocess_client(project) as client:
        structured(await client.call_tool("ml_batch_score", args))
        out = project / "out/scores"
        kept = {p.name: p.stat().st_mtime_ns for p in out.glob("*.parquet")}
        (out / "part.2.parquet").unlink()  # as if the run had stopped before this partition
        del kept["part.2.parquet"]
        again = structured(await client.call_tool("ml_batch_score", args))
    assert again["scored"] == 1 and again["resumed"] == 3 and again["rows"] == 569
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.parquet") if p.name in kept} == kept
    manifest = json.loads((out / "_manifest.json").read_text())
    assert sorted(manifest["done"]) == [f"data/parts/part.{i}.parquet" for i in range(4)]


async def test_a_glob_of_csvs_scored_through_a_registered_model_names_its_version(trained):
    project, runs = trained
    run_id = runs["logistic"]["run_id"]
    rows = pd.read_csv(project / "data/breast_cancer.csv")
    (project / "data/csv").mkdir()
    for i in range(3):
        rows.iloc[i::3].to_csv(project / f"data/csv/day-{i}.csv", index=False)
    async with inprocess_client(project) as client:
        structured(
            await client.call_tool("ml_register_model", {"run_id": run_id, "name": "cancer"})
        )
        result = structured(
            await client.call_tool(
                "ml_batch_score",
                {"model": "models:/cancer/1", "data_path": "data/csv/day-*.csv"},
            )
        )
    assert result["model"] == f"cancer/1, run {run_id}"
    assert result["scored"] == 3 and result["rows"] == len(rows)
    scores = read_scores(project, result["output"])
    assert set(scores["moai_model_version"]) == {"cancer/1"}


@pytest.mark.parametrize(
    ("data_path", "words"),
    [
        ("../*.csv", "outside the workspace"),
        ("/etc/*.conf", "outside the workspace"),
        ("data/*/../../../*", "climbs"),
        ("data/linked", "outside the workspace"),
        ("data/nothing-*.parquet", "matches no data file"),
    ],
)
async def test_a_hostile_or_empty_dataset_path_is_refused_before_anything_is_written(
    trained, tmp_path, data_path, words
):
    project, runs = trained
    outside = tmp_path / "secret"
    outside.mkdir()
    pd.DataFrame({"x": [1]}).to_parquet(outside / "a.parquet")
    (project / "data/linked").mkdir()
    os.symlink(outside / "a.parquet", project / "data/linked/a.parquet")
    async with inprocess_client(project) as client:
        result = await client.call_tool(
            "ml_batch_score", {"model": runs["logistic"]["run_id"], "data_path": data_path}
        )
    assert result.is_error and words in error_text(result), error_text(result)
    assert not (project / "scores").exists()


async def test_an_output_folder_of_other_files_or_scores_or_a_missing_kept_column_is_refused(
    trained,
):
    project, runs = trained
    split_parquet(project)
    (project / "reports").mkdir()
    (project / "reports/notes.md").write_text("mine")
    async with inprocess_client(project) as client:
        foreign = await client.call_tool(
            "ml_batch_score",
            {"model": runs["logistic"]["run_id"], "data_path": "data/parts", "output": "reports"},
        )
        structured(
            await client.call_tool(
                "ml_batch_score",
                {"model": runs["logistic"]["run_id"], "data_path": "data/parts", "output": "s"},
            )
        )
        other = await client.call_tool(
            "ml_batch_score",
            {
                "model": runs["forest"]["run_id"],
                "data_path": "data/parts",
                "output": "s",
                "allow_failed_gates": True,  # its SPEC's latency gate depends on the machine
            },
        )
        unknown = await client.call_tool(
            "ml_batch_score",
            {"model": runs["logistic"]["run_id"], "data_path": "data/parts", "keep": ["order_id"]},
        )
    assert "keep names columns the data lacks (order_id)" in error_text(unknown)
    assert "was not written by ml_batch_score" in error_text(foreign)
    assert (project / "reports/notes.md").read_text() == "mine"
    assert "give output= another folder" in error_text(other)


async def test_an_image_folder_is_refused_as_a_dataset_of_another_kind_not_read_as_partitions(
    trained,
):
    pytest.importorskip("PIL")
    from tests.image_support import digits_folder

    project, runs = trained
    digits_folder(project / "data/digits", per_class=3)
    async with inprocess_client(project) as client:
        result = await client.call_tool(
            "ml_batch_score", {"model": runs["logistic"]["run_id"], "data_path": "data/digits"}
        )
    assert result.is_error, structured(result)
    assert "of kind 'images'" in error_text(result), error_text(result)
    assert not (project / "scores").exists()
