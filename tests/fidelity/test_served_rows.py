"""The generated service accepts the CSV's own rows: 200 whole rows of each fresh table, the
target included, read with `pandas.read_csv` and sent as JSON (0/1 flags as 0/1, True/False as
booleans, gaps as null even where training had none), get 200, the model's answer and the target
named as ignored, on real uvicorn (127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import joblib
import numpy as np
import pandas as pd
import pytest

from mcp_server.ml.data.schema import Schema
from tests.fidelity.tables import accounts, grades, insurance, write
from tests.support import inprocess_client, uvicorn_service
from tests.train_support import call, call_error

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.xdist_group("fidelity_served")]
ROWS = 200
CASES = [
    ("insurance", "claim", "joblib"),
    ("insurance", "claim", "onnx"),
    ("grades", "grade", "joblib"),
    ("accounts", "churn", "joblib"),
]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("served") / "project"
    write(insurance(), root / "data" / "insurance.csv")
    write(grades(), root / "data" / "grades.csv")
    write(accounts(), root / "data" / "accounts.csv")
    return root


@pytest.fixture(scope="module")
async def client(project: Path):  # type: ignore[no-untyped-def]
    async with inprocess_client(project) as client:
        yield client


def _raw_rows(path: Path, target: str) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The CSV as pandas reads it, the target kept, every 7th row's first number missing."""
    frame = pd.read_csv(path).head(ROWS)
    number = next(c for c in frame.columns if frame[c].dtype == "float64" and c != target)
    frame.loc[frame.index % 7 == 0, number] = np.nan
    return frame, json.loads(frame.to_json(orient="records"))


def run_features(project: Path, run: dict[str, Any]) -> list[dict[str, Any]]:
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.tracking.runs import get_store

    folder = get_store(Workspace(project)).moai_dir(run["run_id"])
    return list(json.loads((folder / "schema.json").read_text(encoding="utf-8"))["features"])


@pytest.mark.parametrize(
    ("table", "target", "runtime"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES]
)
async def test_the_csvs_own_rows_get_200_and_the_models_answer(
    client, project: Path, table, target, runtime
):
    run = await call(
        client,
        "ml_train",
        data_path=f"data/{table}.csv",
        target=target,
        model="logistic_regression",
    )
    out = f"serving/{table}_{runtime}"
    # a date and a free-text column: ONNX points to joblib, which serves them
    if table == "accounts":
        assert {"opened": "datetime", "note": "text"}.items() <= {
            f["name"]: f["kind"] for f in run_features(project, run)
        }.items()
        refused = await call_error(
            client, "ml_generate_serving", run_id=run["run_id"], runtime="onnx"
        )
        assert "runtime='joblib'" in refused
    await call(client, "ml_generate_serving", run_id=run["run_id"], runtime=runtime, output_dir=out)
    exported = await call(client, "ml_export", run_id=run["run_id"], format="joblib")
    model = joblib.load(project / exported["path"])
    schema = Schema.from_dict(
        json.loads((project / exported["schema_path"]).read_text(encoding="utf-8"))
    )
    frame, records = _raw_rows(project / "data" / f"{table}.csv", target)
    assert list(model.classes_) == schema.classes
    want = model.predict(frame).tolist()  # the exported model takes the rows as read_csv reads them
    want_proba = model.predict_proba(frame)
    with uvicorn_service(project / out) as base, httpx.Client(base_url=base, timeout=60) as http:
        singles = [http.post("/predict", json=record) for record in records]  # a request each
        batch = http.post("/predict/batch", json={"records": records})
    assert [r.status_code for r in singles] == [200] * ROWS, next(
        r.text for r in singles if r.status_code != 200
    )
    assert batch.status_code == 200
    got = [r.json() for r in singles]
    assert {(tuple(g["ignored_fields"]), len(g["unseen"])) for g in got} == {((target,), 0)}
    assert (
        [g["prediction"] for g in got]
        == want
        == [p["prediction"] for p in batch.json()["predictions"]]
    )
    got_proba = np.array([[g["probabilities"][str(c)] for c in schema.classes] for g in got])
    assert np.abs(got_proba - want_proba).max() <= (1e-4 if runtime == "onnx" else 1e-9)
