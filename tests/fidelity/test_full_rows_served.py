"""A table as a user brings it (an id, a date, free text, a True/False column, a region, a
balance with gaps) is served by the default runtime, which says which and why; whole CSV rows as
`pandas.read_csv` reads them (the id and the target included, unseen regions, gaps, a date that
is not one) get 200, the model's answer and the flags, on real uvicorn; the registered model
loads in a fresh process with plain MLflow and predicts the training CSV as read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import joblib
import numpy as np
import pandas as pd
import pytest

from mcp_server.ml.tracking.locations import tracking_uri
from tests.fidelity.tables import branches, write
from tests.support import inprocess_client, uvicorn_service
from tests.train_support import call

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.xdist_group("fidelity_full_rows")]

FRESH_PYFUNC = r"""
import json, sys
import mlflow
import pandas as pd

mlflow.set_tracking_uri(sys.argv[1])
model = mlflow.pyfunc.load_model(sys.argv[2])
print(json.dumps([str(p) for p in model.predict(pd.read_csv(sys.argv[3]))]))
"""


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("full_rows") / "project"
    write(branches(), root / "data" / "branches.csv")
    write(branches(120, seed=29, unseen=True), root / "data" / "new_branches.csv")
    return root


@pytest.fixture(scope="module")
async def client(project: Path):  # type: ignore[no-untyped-def]
    # the served rows are the claim, not the transport: the in-process server (no server process
    # and no second job forkserver to start)
    async with inprocess_client(project) as client:
        yield client


@pytest.fixture(scope="module")
async def trained(client, project: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    run = await call(
        client, "ml_train", data_path="data/branches.csv", target="churn", model="random_forest"
    )
    exported = await call(client, "ml_export", run_id=run["run_id"], format="joblib")
    schema = json.loads((project / exported["schema_path"]).read_text(encoding="utf-8"))
    return {**run, "model": project / exported["path"], "schema": schema}


def _expected_flags(frame: pd.DataFrame, features: set[str]) -> list[dict[str, Any]]:
    """What the answers must say: the unseen region, the date that is not one, the ignored keys."""
    flags = []
    for _, row in frame.iterrows():
        unseen: dict[str, Any] = {}
        if row["opened"] == "not a date":
            unseen["opened"] = "not a date"
        if row["region"] == "north-west":
            unseen["region"] = "north-west"
        flags.append({"unseen": unseen, "ignored_fields": [c for c in frame if c not in features]})
    return flags


async def test_the_default_runtime_serves_whole_csv_rows_and_flags_what_the_model_ignores(
    client, project: Path, trained: dict[str, Any]
) -> None:
    schema = trained["schema"]
    kinds = {f["name"]: f["kind"] for f in schema["features"]}
    assert kinds == {
        "opened": "datetime",
        "note": "text",
        "member": "boolean",
        "region": "categorical",
        "balance": "numeric",
    }
    assert "account_id" in schema["dropped"]
    served = await call(client, "ml_generate_serving", run_id=trained["run_id"], output_dir="svc")
    assert served["runtime"] == "joblib"
    assert "date column 'opened'" in served["runtime_reason"]
    assert "free-text column 'note'" in served["runtime_reason"]
    frame = pd.read_csv(project / "data" / "new_branches.csv")  # the id and the target included
    records = json.loads(frame.to_json(orient="records"))
    want = joblib.load(trained["model"]).predict(frame).tolist()
    with uvicorn_service(project / "svc") as base, httpx.Client(base_url=base, timeout=60) as http:
        singles = [http.post("/predict", json=record) for record in records]  # a request each
        batch = http.post("/predict/batch", json={"records": records})
        metadata = http.get("/metadata").json()
    assert [r.status_code for r in singles] == [200] * len(records), next(
        r.text for r in singles if r.status_code != 200
    )
    got = [r.json() for r in singles]
    assert [g["prediction"] for g in got] == want
    assert batch.status_code == 200 and batch.json()["predictions"] == got
    flags = [{"unseen": g["unseen"], "ignored_fields": g["ignored_fields"]} for g in got]
    assert flags == _expected_flags(frame, set(kinds))
    assert sum(bool(f["unseen"]) for f in flags) > 20
    assert flags[0]["ignored_fields"] == ["account_id", "churn"]
    # nullable: every feature, since the pipeline imputes each; training saw gaps in balance only
    assert {f["name"]: (f["nullable"], f["missing_in_training"]) for f in metadata["features"]} == {
        name: (True, name == "balance") for name in kinds
    }


async def test_the_registered_model_predicts_the_training_csv_in_a_fresh_process(
    client, project: Path, trained: dict[str, Any]
) -> None:
    await call(client, "ml_register_model", run_id=trained["run_id"], name="branches")
    await call(client, "ml_promote", name="branches", version=1, force=True)
    table = project / "data" / "branches.csv"
    tracking = tracking_uri(project)
    done = subprocess.run(
        [sys.executable, "-c", FRESH_PYFUNC, tracking, "models:/branches@champion", str(table)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    want = joblib.load(trained["model"]).predict(pd.read_csv(table)).tolist()
    assert got == [str(label) for label in want] and set(got) == {"left", "stayed"}


def readings(rows: int = 500, seed: int = 3) -> pd.DataFrame:
    """Two numbers of tiny spread pulling opposite ways: in float32, 1e38 in both becomes
    inf - inf (NaN) inside the ONNX graph, where scikit-learn's float64 answers."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(0.5, 0.001, rows), rng.normal(0.2, 0.001, rows)
    drift = (a - 0.5) - (b - 0.2) + rng.normal(0, 0.0005, rows)
    size = rng.normal(10, 3, rows)
    return pd.DataFrame({"a": a, "b": b, "size": size, "y": np.where(drift > 0, "up", "down")})


async def test_the_onnx_service_answers_schema_valid_huge_numbers(client, project: Path) -> None:
    write(readings(), project / "data" / "readings.csv")
    run = await call(
        client, "ml_train", data_path="data/readings.csv", target="y", model="logistic_regression"
    )
    served = await call(client, "ml_generate_serving", run_id=run["run_id"], output_dir="read")
    assert served["runtime"] == "onnx" and "exactly" in served["runtime_reason"]
    rows = [{"a": 1e38, "b": 1e38, "size": 10}, {"a": -1e38, "b": -1e38, "size": 1e38}]
    rows += [{"a": 1e38, "b": -1e38, "size": -1e38}, {"a": 0.5, "b": 0.2, "size": 10}]
    with uvicorn_service(project / "read") as base, httpx.Client(base_url=base, timeout=30) as http:
        answers = [http.post("/predict", json=row) for row in rows]
        batch = http.post("/predict/batch", json={"records": rows})
    assert [a.status_code for a in answers] == [200] * len(rows), answers[0].text
    assert batch.json()["predictions"] == [a.json() for a in answers]
    exported = await call(client, "ml_export", run_id=run["run_id"], format="joblib")
    model = joblib.load(project / exported["path"])
    assert [a.json()["prediction"] for a in answers] == model.predict(pd.DataFrame(rows)).tolist()
    got = np.array([[a.json()["probabilities"][str(c)] for c in model.classes_] for a in answers])
    assert np.abs(got - model.predict_proba(pd.DataFrame(rows))).max() < 1e-4
