"""Every run records its verdict; export and serving refuse what a SPEC's gates refused unless
told so explicitly (and then it is recorded); metric names are the SPEC's or the stored ones;
evaluation says when its rows were trained on. Over stdio, on a fresh table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fidelity.tables import insurance, spec, write
from tests.support import inprocess_client
from tests.train_support import call, call_error

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("fidelity_verdicts")]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("verdicts") / "project"
    write(insurance(), root / "data" / "insurance.csv")
    spec(
        root, "ML-901", "data/insurance.csv", "claim", "roc_auc", 0.999
    )  # a gate no model meets here
    return root


@pytest.fixture(scope="module")
async def client(project: Path):  # type: ignore[no-untyped-def]
    async with inprocess_client(project) as client:
        yield client


@pytest.fixture(scope="module")
async def runs(client) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    common = {"data_path": "data/insurance.csv", "target": "claim", "model": "logistic_regression"}
    return {
        "failed": await call(client, "ml_train", spec_id="ML-901", **common),
        "free": await call(client, "ml_train", experiment="free", **common),
    }


async def test_a_run_below_its_spec_gate_records_the_verdict_and_the_holdout_split(client, runs):
    failed = runs["failed"]
    assert failed["gates_passed"] is False and "roc_auc" in failed["rejected_reason"]
    assert failed["experiment"] == "SPEC-ML-901"
    shown = await call(client, "ml_get_run", run_id=failed["run_id"])
    tags = shown["tags"]
    assert (
        tags["moai.kind"] == "train"
        and tags["moai.gates_passed"] == "false"
        and tags["moai.kept"] == "false"
    )
    assert tags["moai.holdout_seed"] == "42" and tags["moai.holdout_size"] == "0.2"
    assert "split" in shown["artifacts"]
    free = await call(client, "ml_get_run", run_id=runs["free"]["run_id"])
    assert "moai.gates_passed" not in free["tags"] and free["tags"]["moai.kept"] == "true"
    listed = await call(client, "ml_list_runs", spec_id="ML-901")
    assert listed["runs"][0]["gates_passed"] is False and listed["runs"][0]["kept"] is False


async def test_export_and_serving_refuse_a_failed_run_unless_allowed_and_then_record_it(
    client, runs, project
):
    run_id = runs["failed"]["run_id"]
    refused = await call_error(client, "ml_export", run_id=run_id, format="joblib")
    assert (
        "failed its SPEC's gates" in refused
        and "roc_auc" in refused
        and "allow_failed_gates=true" in refused
    )
    refused = await call_error(client, "ml_generate_serving", run_id=run_id, runtime="joblib")
    assert "allow_failed_gates=true" in refused
    done = await call(client, "ml_export", run_id=run_id, format="joblib", allow_failed_gates=True)
    assert (
        done["verdict"]["allow_failed_gates"] is True and done["verdict"]["gates_passed"] is False
    )
    served = await call(
        client,
        "ml_generate_serving",
        run_id=run_id,
        runtime="joblib",
        allow_failed_gates=True,
        output_dir="serving/failed",
    )
    meta = json.loads(
        (project / served["output_dir"] / "app" / "metadata.json").read_text(encoding="utf-8")
    )
    assert (
        meta["verdict"]["allow_failed_gates"] is True
        and "roc_auc" in meta["verdict"]["rejected_reason"]
    )
    tags = (await call(client, "ml_get_run", run_id=run_id))["tags"]
    assert tags["moai.allow_failed_gates"].startswith("true")
    kept = await call(client, "ml_export", run_id=runs["free"]["run_id"], format="joblib")
    assert kept["verdict"]["kept"] is True and kept["verdict"]["allow_failed_gates"] is False


async def test_metric_names_accept_the_spec_name_and_the_stored_one_and_refuse_unknown_ones(
    client, runs
):
    by_spec_name = await call(
        client, "ml_list_runs", metric_filter="roc_auc >= 0", order_by="roc_auc"
    )
    by_stored = await call(
        client, "ml_list_runs", metric_filter="holdout_roc_auc >= 0", order_by="holdout_roc_auc"
    )
    ids = [r["run_id"] for r in by_spec_name["runs"]]
    assert set(ids) == {runs["failed"]["run_id"], runs["free"]["run_id"]}
    assert ids == [r["run_id"] for r in by_stored["runs"]]
    assert "holdout_roc_auc" in by_spec_name["runs"][0]["metrics"]
    error = await call_error(client, "ml_list_runs", order_by="rocauc")
    assert "unknown metric 'rocauc'" in error and "roc_auc" in error and "r2" in error
    error = await call_error(client, "ml_list_runs", metric_filter="rocauc > 0.5")
    assert "unknown metric 'rocauc'" in error


async def test_evaluating_on_the_training_table_warns_that_its_rows_were_trained_on(client, runs):
    run_id = runs["free"]["run_id"]
    own = await call(client, "ml_evaluate", run_id=run_id)
    assert own["warnings"] == [] and own["rows"] == 160
    inflated = await call(client, "ml_evaluate", run_id=run_id, data_path="data/insurance.csv")
    assert len(inflated["warnings"]) == 1 and inflated["warnings"][0].startswith(
        "640 of 800 evaluation rows"
    )
