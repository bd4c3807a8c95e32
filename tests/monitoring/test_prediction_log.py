"""The generated service's opt-in prediction log, served by uvicorn on 127.0.0.1 and read back by
`ml_detect_drift` (rotation, a log read while the service writes it)."""

from __future__ import annotations

import json

import httpx
import pandas as pd
import pytest

from mcp_server.ml.monitoring.sources import read_log
from tests.support import inprocess_client, uvicorn_service
from tests.train_support import call

pytestmark = pytest.mark.anyio


def _records(frame: pd.DataFrame) -> list[dict[str, float]]:
    return [{k: float(v) for k, v in row.items()} for _, row in frame.iterrows()]


@pytest.mark.slow
async def test_a_served_model_logs_its_traffic_which_drift_detection_reads(
    monitored, monkeypatch
) -> None:
    project, run = monitored["project"], monitored["strong"]
    table = pd.read_csv(project / "data/breast_cancer.csv").drop(columns=["target", "patient_id"])
    shifted = table.sample(300, random_state=4)
    shifted["worst area"] *= 2.0
    async with inprocess_client(project) as client:
        await call(client, "ml_register_model", run_id=run, name="served")
        served = await call(
            client, "ml_generate_serving", run_id="models:/served/1", runtime="joblib"
        )
        service = project / served["output_dir"]
        logs = service / "logs" / "predictions"
        monkeypatch.setenv("MOAI_PREDICTION_LOG", "logs/predictions")
        monkeypatch.setenv("MOAI_PREDICTION_LOG_MAX_MB", "0.05")  # ~50 kB files: a few rotations
        monkeypatch.setenv("MOAI_PREDICTION_LOG_KEEP", "50")
        with uvicorn_service(service) as base, httpx.Client(base_url=base, timeout=30) as http:
            answers = [http.post("/predict", json=r).json() for r in _records(shifted.head(40))]
            batch = http.post("/predict/batch", json={"records": _records(shifted.iloc[40:])})
            assert batch.status_code == 200
            while_running = read_log(logs, "live")  # the service is still up and may be writing
        drift = await call(
            client,
            "ml_detect_drift",
            reference="models:/served/1",
            current=str(logs.relative_to(project)),
        )
    files = sorted(logs.glob("predictions-*.jsonl"))
    lines = [json.loads(line) for f in files for line in f.read_text().splitlines()]
    assert len(files) >= 2 and len(lines) == 41  # 40 requests and one batch; rotated
    assert len(read_log(logs, "done").frame) == 300  # nothing lost once the service stopped
    assert lines[0]["answer"] == answers[0] and set(lines[0]) == {"time", "features", "answer"}
    assert (
        lines[-1]["answer"]["predictions"] == batch.json()["predictions"]
        and len(lines[-1]["batch"]["records"]) == 260
    )
    assert len(while_running.frame) <= 300 and list(while_running.frame.columns) == list(
        table.columns
    )
    assert drift["current_rows"] == 300 and "worst area" in drift["drifted_columns"]
    assert drift["prediction"] is not None and drift["prediction"]["column"] == "prediction"
