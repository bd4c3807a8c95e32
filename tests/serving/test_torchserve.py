"""`ml_generate_serving runtime="torchserve"` end to end: the generated handler, config and `.mar`
(built by the real torch-model-archiver) served by the real TorchServe on 127.0.0.1 with its
default token authorization, answering like the joblib model on the holdout."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.export_support import fit, log_fitted
from tests.support import free_port, inprocess_client, structured

pytest.importorskip("ts")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.slow,
    pytest.mark.external,  # TorchServe (Java)
    pytest.mark.xdist_group("torchserve"),
]
TORCHSERVE = Path(sys.executable).parent / "torchserve"


@contextlib.contextmanager
def torchserve(folder: Path) -> Iterator[dict[str, str]]:
    """TorchServe in the foreground on free loopback ports, its own temp dir; stopped after."""
    ports = {"inference": free_port(), "management": free_port(), "metrics": free_port()}
    config = (folder / "config.properties").read_text()
    for api, port in ports.items():
        config = re.sub(
            rf"^{api}_address=.*$", f"{api}_address=http://127.0.0.1:{port}", config, flags=re.M
        )
    (folder / "config.properties").write_text(config)
    (folder / "tmp").mkdir()
    env = {
        **os.environ,
        "TMPDIR": str(folder / "tmp"),
        "TEMP": str(folder / "tmp"),
    }  # its pid file lives there
    cmd = [
        str(TORCHSERVE),
        "--start",
        "--foreground",
        "--ts-config",
        "config.properties",
        "--model-store",
        "model_store",
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield {api: f"http://127.0.0.1:{port}" for api, port in ports.items()}
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # the python launcher, java and its workers
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_ready(
    urls: dict[str, str], folder: Path, name: str, timeout: float = 240.0
) -> dict[str, str]:
    """The keys TorchServe wrote, once the model's worker is READY (asked with the management
    key)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        keys_file = folder / "key_file.json"
        if keys_file.is_file():
            with contextlib.suppress(ValueError, KeyError, httpx.HTTPError):
                keys = {
                    api: entry["key"] for api, entry in json.loads(keys_file.read_text()).items()
                }
                auth = {"Authorization": f"Bearer {keys['management']}"}
                reply = httpx.get(f"{urls['management']}/models/{name}", headers=auth, timeout=5)
                if reply.status_code == 200 and reply.json()[0]["workers"][0]["status"] == "READY":
                    return keys
        time.sleep(1)
    raise TimeoutError(f"the model {name} was not READY in TorchServe within {timeout} s")


async def test_torchserve_serves_the_archive_with_token_auth_and_answers_like_the_joblib_model(
    project: Path,
):
    fitted = fit("multiclass", "torch_mlp")
    run_id = log_fitted(project, fitted, "data/customers.csv", tags={"moai.spec_id": "ML-014"})
    async with inprocess_client(project) as client:
        result = structured(
            await client.call_tool(
                "ml_generate_serving", {"run_id": run_id, "runtime": "torchserve"}
            )
        )
    assert result["runtime"] == "torchserve" and result["output_dir"] == "serving/ml_014"
    assert "POST /predictions/ml_014" in result["endpoints"]
    service = project / result["output_dir"]
    with zipfile.ZipFile(service / "model_store/ml_014.mar") as archive:
        manifest = json.loads(archive.read("MAR-INF/MANIFEST.json"))
        assert {"handler.py", "model.pt", "preprocess.joblib", "features.json"} <= set(
            archive.namelist()
        )
    assert (
        manifest["model"]["handler"] == "handler.py"
        and manifest["model"]["serializedFile"] == "model.pt"
    )
    for config in ([], ["--config", str(Path(__file__).parents[2] / "pyproject.toml")]):
        lint = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--no-cache", *config, "handler.py"],
            cwd=service,
            capture_output=True,
            text=True,
            check=False,
        )
        assert lint.returncode == 0, lint.stdout
    folder = project / "ts"
    shutil.copytree(service, folder)
    rows = fitted.raw.iloc[len(fitted.train) :].head(80)
    records = [
        {k: (None if v != v else v) for k, v in r.items() if k in fitted.schema.names}
        for r in rows.to_dict("records")
    ]
    with torchserve(folder) as urls:
        keys = wait_ready(urls, folder, "ml_014")
        refused = httpx.post(f"{urls['inference']}/predictions/ml_014", json=records[0], timeout=30)
        headers = {"Authorization": f"Bearer {keys['inference']}"}
        reply = httpx.post(
            f"{urls['inference']}/predictions/ml_014",
            json={"records": records},
            headers=headers,
            timeout=60,
        )
    assert refused.status_code in (400, 401) and "Token" in refused.text
    assert reply.status_code == 200, reply.text
    got = reply.json()["predictions"]
    classes = fitted.schema.classes
    want = fitted.pipeline.predict_proba(fitted.test.head(80))
    assert [p["prediction"] for p in got] == [
        classes[int(c)] for c in fitted.pipeline.predict(fitted.test.head(80))
    ]
    assert (
        np.abs(np.array([[p["probabilities"][str(c)] for c in classes] for p in got]) - want).max()
        < 1e-5
    )
