"""The model registry tools over stdio: register, gated promotion, aliases wherever a run id
goes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mlflow import MlflowClient

from mcp_server.ml.tracking.locations import tracking_uri
from tests.monitoring.support import log_model, set_verdict
from tests.support import copy_examples, inprocess_client
from tests.train_support import call, call_error, client_with_env

pytestmark = pytest.mark.anyio


async def test_promotion_needs_gates_and_a_better_score_than_the_champion_on_the_same_holdout(
    monitored: dict[str, Any],
):
    project, weak, strong = monitored["project"], monitored["weak"], monitored["strong"]
    async with inprocess_client(project) as client:
        v0 = await call(client, "ml_register_model", run_id=monitored["ungated"], name="gated")
        assert v0["name"] == "gated" and v0["version"] == 1 and v0["gates"] == "none"
        refused = await call(client, "ml_promote", name="gated", version=1)
        assert not refused["promoted"] and "no gate verdict" in refused["reasons"][0]
        assert "force=true" in refused["reasons"][0]
        set_verdict(project, monitored["ungated"], False)  # the gate check ran and refused it
        failed = await call_error(client, "ml_promote", name="gated", version=1, force=True)
        assert failed.startswith("pass allow_failed_gates=true to promote it anyway")
        assert "failed its SPEC's gates" in failed
        assert (await call(client, "ml_list_models", name="gated"))["models"][0]["aliases"] == {}
        v1 = await call(client, "ml_register_model", run_id=weak)
        assert v1["name"] == "SPEC-ML-001" and v1["version"] == 1 and v1["gates"] == "true"
        assert v1["next_step"].startswith("ml_promote(name='SPEC-ML-001', version=1)")
        first = await call(client, "ml_promote", name="SPEC-ML-001", version=1)
        assert first["promoted"] and first["comparison"] is None and first["gates"] == "passed"
        card_call = "ml_model_card(run_id='models:/SPEC-ML-001@champion')"
        assert first["next_step"].startswith(card_call)
        v2 = await call(client, "ml_register_model", run_id=strong)
        better = await call(client, "ml_promote", name="SPEC-ML-001", version=v2["version"])
        comparison = better["comparison"]
        assert (
            better["promoted"]
            and better["previous_version"] == 1
            and comparison["metric"] == "roc_auc"
        )
        assert comparison["challenger"] > comparison["champion"] and comparison["rows"] == 114
        low, high = comparison["interval"]
        assert 0 < low <= comparison["difference"] <= high
        v3 = await call(
            client, "ml_register_model", run_id="models:/SPEC-ML-001/1", description="weak again"
        )
        worse = await call(client, "ml_promote", name="SPEC-ML-001", version=v3["version"])
        assert (
            not worse["promoted"]
            and worse["comparison"]["difference"] < 0
            and "does not beat" in worse["reasons"][0]
        )
        assert worse["next_step"].startswith("Stop here: the champion stays (version 3: ")
        assert "force=true" in worse["next_step"] and "owner" in worse["next_step"]
        listed = await call(client, "ml_list_models", name="SPEC-ML-001")
        assert listed["models"][0]["aliases"] == {"champion": 2}
        forced = await call(
            client, "ml_promote", name="SPEC-ML-001", version=v3["version"], force=True
        )
        assert forced["promoted"] and forced["forced"]
        via_alias = await call(client, "ml_get_run", run_id="models:/SPEC-ML-001@champion")
        assert via_alias["run"]["run_id"] == weak
    version = MlflowClient(tracking_uri=tracking_uri(project)).get_model_version("SPEC-ML-001", "3")
    assert version.tags["moai.promotion_forced"] == "true" and "force=true" in version.description
    assert "does not beat" in version.tags["moai.promotion_reason"]


async def test_registry_uris_load_with_mlflow_pyfunc_and_bad_names_are_clear_errors(
    monitored: dict[str, Any], monkeypatch: pytest.MonkeyPatch
):
    import mlflow
    import pandas as pd

    project, weak = monitored["project"], monitored["weak"]
    async with inprocess_client(project) as client:
        await call(client, "ml_register_model", run_id=weak, name="cancer")
        await call(client, "ml_promote", name="cancer", version=1, alias="staging", force=True)
        assert "no registered model 'nope'" in await call_error(
            client, "ml_promote", name="nope", version=1
        )
        assert "has no alias 'prod'" in await call_error(
            client, "ml_get_run", run_id="models:/cancer@prod"
        )
        assert "has no version '7'" in await call_error(
            client, "ml_get_run", run_id="models:/cancer/7"
        )
        gone = await call_error(
            client, "ml_export", run_id="models:/missing@champion", format="skops"
        )
        assert "no registered model 'missing'" in gone
    monkeypatch.setenv(
        "MLFLOW_TRACKING_URI", tracking_uri(project)
    )  # what a user's own script would set
    rows = (
        pd.read_csv(project / "data/breast_cancer.csv")
        .drop(columns=["target", "patient_id"])
        .head(5)
    )
    for uri in ("models:/cancer@staging", "models:/cancer/1"):
        assert len(mlflow.pyfunc.load_model(uri).predict(rows)) == 5


@pytest.mark.slow
@pytest.mark.external  # an `mlflow server` process
async def test_register_and_promote_against_a_real_mlflow_server(
    mlflow_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import mlflow
    import pandas as pd

    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.tracking.runs import get_store

    project = copy_examples(tmp_path / "project")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    strong = log_model(
        project, "logistic_regression", gates=True
    )  # seeded split, like the TDD tools
    async with client_with_env(project, MLFLOW_TRACKING_URI=mlflow_server) as client:
        weak = await call(
            client,
            "ml_train",
            data_path="data/breast_cancer.csv",
            target="target",
            model="knn",
            params={"n_neighbors": 1},
            drop=["patient_id"],
            spec_id="ML-001",
        )
        set_verdict(mlflow_server, weak["run_id"], True)
        await call(client, "ml_register_model", run_id=weak["run_id"])
        await call(client, "ml_promote", name="SPEC-ML-001", version=1)
        await call(client, "ml_register_model", run_id=strong)
        promoted = await call(client, "ml_promote", name="SPEC-ML-001", version=2)
    # ml_train's recorded holdout rows and the seeded split are the same 114 rows here
    assert promoted["promoted"] and promoted["comparison"]["interval"][0] > 0
    assert promoted["comparison"]["holdout"] == "114 rows held out from both runs"
    assert not (project / ".moai/ml/mlflow.db").exists()
    assert (
        MlflowClient(tracking_uri=mlflow_server)
        .get_model_version_by_alias("SPEC-ML-001", "champion")
        .run_id
        == strong
    )
    rows = (
        pd.read_csv(project / "data/breast_cancer.csv")
        .drop(columns=["target", "patient_id"])
        .head(20)
    )
    served = mlflow.pyfunc.load_model("models:/SPEC-ML-001@champion").predict(rows)
    assert list(served) == list(get_store(Workspace(project)).load_run(strong).model.predict(rows))
