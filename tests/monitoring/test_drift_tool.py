"""`ml_detect_drift` over stdio: a run's training data as reference, a prediction log as current,
and the bad inputs of issue 12 (different columns, empty current, a log being written)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.support import inprocess_client, structured
from tests.train_support import call, call_error

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("drift_tool")]


@pytest.fixture(scope="module")
def drift_project(monitored: dict[str, Any]) -> dict[str, Any]:
    project = monitored["project"]
    table = pd.read_csv(project / "data/breast_cancer.csv")
    shifted = table.sample(200, random_state=1).copy()
    shifted["mean radius"] *= 1.5
    shifted["mean texture"] += 8
    shifted.to_csv(project / "data/shifted.csv", index=False)
    table.head(0).to_csv(project / "data/empty.csv", index=False)
    renamed = table[["mean radius", "target"]].rename(columns={"mean radius": "radius"})
    renamed.to_csv(project / "data/other.csv", index=False)
    return {"project": project, "table": table, "run": monitored["strong"]}


def write_log(folder: Path, rows: pd.DataFrame, predictions: list[Any]) -> None:
    """What the generated service writes: one JSON object per line, then a line cut mid-write."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "predictions-0001.jsonl").open("w") as handle:
        for (_, row), pred in zip(rows.iterrows(), predictions, strict=True):
            record = {
                "time": "2026-11-28T01:00:00+00:00",
                "features": row.to_dict(),
                "prediction": pred,
            }
            handle.write(json.dumps(record) + "\n")
        handle.write('{"time": "2026-11-28T01:00:01+00:00", "features": {"mean rad')


async def test_drift_of_a_shifted_log_against_the_runs_training_data_names_the_shifted_columns(
    drift_project,
):
    project, table, run = drift_project["project"], drift_project["table"], drift_project["run"]
    rows = table.sample(150, random_state=2).drop(columns=["target", "patient_id"])
    rows["mean radius"] *= 1.5
    write_log(
        project / "logs/predictions", rows, [1] * len(rows)
    )  # a service that now answers 1 only
    async with inprocess_client(project) as client:
        raw = await client.call_tool(
            "ml_detect_drift", {"reference": run, "current": "logs/predictions", "psi": True}
        )
        shifted = await call(
            client,
            "ml_detect_drift",
            reference="data/breast_cancer.csv",
            current="data/shifted.csv",
        )
        ticket = await call(
            client,
            "ml_detect_drift",
            reference="data/breast_cancer.csv",
            current="data/shifted.csv",
            detail="full",
            background=True,
        )
        job = await call(client, "ml_job_status", job_id=ticket["job_id"], wait_s=50)
    assert (
        job["state"] == "done" and job["result"]["drifted_columns"] == shifted["drifted_columns"]
    ), job
    assert len(shifted["columns"]) == 8 and shifted["columns_left_out"] > 0, (
        "a default answer stays short"
    )
    full = job["result"]["columns"]
    assert len(full) == 8 + shifted["columns_left_out"] and full[:8] == shifted["columns"]
    result = structured(raw)
    assert (
        result["reference_rows"] == 455 and result["current_rows"] == 150
    )  # the training rows; the cut line skipped
    assert (
        "mean radius" in result["drifted_columns"]
        and "mean texture" not in result["drifted_columns"]
    )
    radius = next(c for c in result["columns"] if c["column"] == "mean radius")
    assert radius["test"] == "ks" and radius["statistic"] < 0.05 and radius["psi"] > 0.1
    assert result["prediction"]["drifted"] and result["prediction"]["test"] == "z"
    assert any("skipped 1 incomplete" in w for w in result["warnings"])
    image = [c for c in raw.content if c.type == "image"]
    assert image and base64.b64decode(image[0].data)[:8] == b"\x89PNG\r\n\x1a\n"
    assert (project / result["plot"]).is_file() and json.loads(
        (project / result["report"]).read_text()
    )["tested"] == 30
    assert (
        set(shifted["drifted_columns"]) >= {"mean radius", "mean texture"}
        and not shifted["dataset_drift"]
    )
    assert shifted["columns"][0]["drifted"] and shifted["prediction"] is None


async def test_drift_in_the_columns_the_model_leans_on_is_drift_though_evidently_counts_too_few(
    drift_project,
):
    project, table, run = drift_project["project"], drift_project["table"], drift_project["run"]
    async with inprocess_client(project) as client:
        calm = await call(
            client,
            "ml_detect_drift",
            reference=run,
            current="data/breast_cancer.csv",
            detail="full",
        )
        weights = {c["column"]: c["weight"] for c in calm["columns"]}
        top = sorted(weights, key=lambda name: -weights[name])[:2]
        moved = table.sample(300, random_state=3).copy()
        for column in top:
            moved[column] += 4 * table[column].std()
        moved.to_csv(project / "data/moved.csv", index=False)
        raw = await client.call_tool(
            "ml_detect_drift", {"reference": run, "current": "data/moved.csv", "psi": True}
        )
    assert not calm["drift"] and calm["headline"].startswith("no drift")
    assert abs(sum(weights.values()) - 1) < 0.01 and weights[top[0]] > 1 / 30
    moved_result = structured(raw)
    assert not moved_result["dataset_drift"], "Evidently's share rule: 2 of 30 columns is no drift"
    assert moved_result["drift"] and moved_result["drifted_columns"][:2] == top
    assert moved_result["weighted_share"] > moved_result["drifted_share"]
    assert moved_result["headline"].startswith(f"drift: 2 of 30 columns drifted: {top[0]} (")
    assert "prediction PSI" in moved_result["headline"]
    assert moved_result["headline"] in raw.content[0].text


def test_the_model_verdict_weighs_drifted_columns_and_the_prediction_shift():
    from mcp_server.ml.monitoring.drift import ColumnDrift, DriftReport
    from mcp_server.ml.monitoring.impact import judge

    def column(name: str, drifted: bool, psi: float | None = None) -> ColumnDrift:
        return ColumnDrift(name, "numerical", "ks", 0.01, 0.05, drifted, psi=psi)

    names = [f"x{i}" for i in range(8)]
    weights = dict(zip(names, [0.4, 0.3, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05], strict=True))
    three = [column(n, n in {"x0", "x1", "x7"}) for n in names]
    report = DriftReport(100, 100, three, 8, 3, 0.375, False)
    heavy = judge(report, None, weights)
    assert heavy.drift and heavy.weighted_share == 0.75
    assert heavy.headline.startswith("drift: 3 of 8 columns drifted: x0 (40%), x1 (30%), x7 (5%)")
    light = [column(n, n == "x7") for n in names]
    calm = judge(
        DriftReport(100, 100, light, 8, 1, 0.125, False), column("prediction", False, 0.02), weights
    )
    assert not calm.drift and calm.reasons == []
    shifted = judge(
        DriftReport(100, 100, light, 8, 1, 0.125, False), column("prediction", True, 0.57), weights
    )
    assert shifted.drift and shifted.reasons == ["the predictions shifted (PSI 0.57)"]
    unweighted = judge(DriftReport(100, 100, three, 8, 3, 0.375, False), None, None)
    assert not unweighted.drift and unweighted.weighted_share is None


async def test_bad_drift_inputs_are_clear_errors_or_clear_partial_answers(drift_project):
    project = drift_project["project"]
    (project / "logs/empty").mkdir(parents=True)
    (project / "logs/empty/predictions-0001.jsonl").write_text(
        '{"time": "2026-11-28T01:00:00+00:00", "feat'
    )
    table = "data/breast_cancer.csv"
    async with inprocess_client(project) as client:
        empty = await call_error(
            client, "ml_detect_drift", reference=table, current="data/empty.csv"
        )
        partial = await call(client, "ml_detect_drift", reference=table, current="data/other.csv")
        writing = await call_error(client, "ml_detect_drift", reference=table, current="logs/empty")
        nothing = await call_error(
            client, "ml_detect_drift", reference="data/nope.csv", current=table
        )
        unknown = await call_error(
            client, "ml_detect_drift", reference="models:/none@champion", current=table
        )
    assert "empty.csv has a header but no rows" in empty
    assert [c["column"] for c in partial["columns"]] == ["target"]
    assert any("missing from current" in w for w in partial["warnings"])
    assert any("not in the reference" in w and "radius" in w for w in partial["warnings"])
    assert "no complete records yet" in writing
    assert "neither a file in the workspace nor a run id" in nothing
    assert "no registered model 'none'" in unknown


def test_the_fast_bootstrap_metrics_equal_scikit_learns() -> None:
    from sklearn import metrics

    from mcp_server.ml.modeling.holdout_stats import Scored, metric_value

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300)
    proba = np.round(rng.random((300, 2)), 2)  # ties, as real probabilities have
    clf = Scored(y=y, pred=rng.integers(0, 2, 300), proba=proba, n_classes=2, task="binary")
    assert metric_value("roc_auc", clf) == pytest.approx(
        metrics.roc_auc_score(y, proba[:, 1]), abs=1e-12
    )
    assert metric_value("accuracy", clf) == pytest.approx(
        metrics.accuracy_score(y, clf.pred), abs=1e-12
    )
    truth = rng.normal(size=200)
    reg = Scored(
        y=truth, pred=truth + rng.normal(size=200), proba=None, n_classes=0, task="regression"
    )
    for name, fn in (
        ("rmse", metrics.root_mean_squared_error),
        ("mae", metrics.mean_absolute_error),
        ("mse", metrics.mean_squared_error),
        ("r2", metrics.r2_score),
    ):
        assert metric_value(name, reg) == pytest.approx(fn(truth, reg.pred), abs=1e-12), name
