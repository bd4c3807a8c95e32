"""The generated service (joblib runtime, API key on) under attack: 200 concurrent connections with
/ready staying fast, a 50 MB body, JSON nested 100k deep, a 100k-row batch, a batch over the
limit, schemathesis with every check. Never a 5xx. `make fuzz` runs schemathesis at 1000
examples."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx
import pandas as pd
import pytest

from tests.support import (
    copy_examples,
    inprocess_client,
    structured,
    uvicorn_service,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("fuzz-service")]
KEY = "service-key-for-the-attack-tests"
AUTH = {"X-API-Key": KEY}
EXAMPLES = 1000 if os.environ.get("MOAI_FUZZ", "") == "full" else 60
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_examples(tmp_path_factory.mktemp("attacks") / "project")

    async def generate() -> str:
        async with inprocess_client(project) as client:
            run = structured(
                await client.call_tool(
                    "ml_train",
                    {
                        "data_path": "data/breast_cancer.csv",
                        "target": "target",
                        "model": "random_forest",
                        "params": {"n_estimators": 200},
                        "drop": ["patient_id"],
                    },
                )
            )
            made = await client.call_tool(
                "ml_generate_serving", {"run_id": run["run_id"], "runtime": "joblib"}
            )
        return str(structured(made)["output_dir"])

    return project / anyio.run(generate)


@contextmanager
def _serve(service: Path) -> Iterator[str]:
    before = os.environ.get("SERVICE_API_KEY")
    os.environ["SERVICE_API_KEY"] = KEY
    try:
        with uvicorn_service(service, "/health") as base:
            yield base
    finally:
        os.environ.pop("SERVICE_API_KEY") if before is None else os.environ.update(
            SERVICE_API_KEY=before
        )


def _records(service: Path, rows: int) -> list[dict[str, Any]]:
    frame = pd.read_csv(service.parents[1] / "data/breast_cancer.csv").drop(
        columns=["target", "patient_id"]
    )
    base = frame.to_dict(orient="records")
    return [base[i % len(base)] for i in range(rows)]


def test_the_api_key_guards_every_endpoint_but_health_and_ready(service: Path):
    record = _records(service, 1)[0]
    with _serve(service) as base:
        assert httpx.get(f"{base}/health").status_code == 200
        assert httpx.get(f"{base}/ready").status_code == 200
        assert httpx.get(f"{base}/metadata").status_code == 401
        assert (
            httpx.post(
                f"{base}/predict", json=record, headers={"X-API-Key": KEY[:-1] + "x"}
            ).status_code
            == 401
        )
        assert httpx.post(f"{base}/predict", json=record, headers=AUTH).status_code == 200


def test_oversized_bodies_and_batches_get_413_and_deep_json_a_4xx(service: Path):
    records = _records(service, 10_001)
    with _serve(service) as base, httpx.Client(headers=AUTH, timeout=120) as http:
        huge = http.post(
            f"{base}/predict/batch",
            content=b'{"records": [' + b" " * 50 * 2**20 + b"]}",
            headers={"content-type": "application/json"},
        )
        assert huge.status_code == 413 and "body is over" in huge.text
        hundred_k = http.post(f"{base}/predict/batch", json={"records": _records(service, 100_000)})
        assert hundred_k.status_code == 413, hundred_k.text[:300]
        over = http.post(f"{base}/predict/batch", json={"records": records})
        assert over.status_code == 413 and "over 10000 records" in over.text, over.text[:300]
        deep = http.post(
            f"{base}/predict/batch",
            content=b'{"records":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            headers={"content-type": "application/json"},
        )
        assert 400 <= deep.status_code < 500, deep.text[:300]
        assert (
            http.post(f"{base}/predict/batch", json={"records": records[:500]}).status_code == 200
        )


@pytest.mark.anyio
async def test_ready_stays_fast_while_200_connections_score_batches(service: Path):
    batch = {"records": _records(service, 10)}
    statuses: list[int] = []
    probes: list[float] = []
    with _serve(service) as base:
        limits = httpx.Limits(max_connections=250, max_keepalive_connections=250)
        async with httpx.AsyncClient(headers=AUTH, timeout=120, limits=limits) as http:
            deadline = time.monotonic() + 6

            async def hammer() -> None:
                while time.monotonic() < deadline:
                    statuses.append(
                        (await http.post(f"{base}/predict/batch", json=batch)).status_code
                    )

            async def probe() -> None:
                await anyio.sleep(1)
                for _ in range(8):  # a client of its own, like the container's HEALTHCHECK
                    started = time.monotonic()
                    answer = await anyio.to_thread.run_sync(
                        lambda: httpx.get(f"{base}/ready", timeout=60)
                    )
                    assert answer.status_code == 200
                    probes.append(time.monotonic() - started)
                    await anyio.sleep(0.5)

            async with anyio.create_task_group() as tg:
                for _ in range(200):
                    tg.start_soon(hammer)
                tg.start_soon(probe)
    assert statuses and set(statuses) == {200}, set(statuses)
    assert max(probes) < 3.0, probes  # the generated HEALTHCHECK allows 3 s


def test_schemathesis_with_every_check_finds_no_5xx_and_no_issue(service: Path):
    with _serve(service) as base:
        fuzz = subprocess.run(
            [
                str(SCHEMATHESIS),
                "run",
                f"{base}/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                str(EXAMPLES),
                "--no-color",
                "-H",
                f"X-API-Key: {KEY}",
            ],
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
    assert fuzz.returncode == 0, fuzz.stdout[-4000:]
    assert "No issues found" in fuzz.stdout
