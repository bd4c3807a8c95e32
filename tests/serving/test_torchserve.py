"""`ml_generate_serving runtime="torchserve"` end to end: the generated handler, config and `.mar`
(built by the real torch-model-archiver) served by the real TorchServe on 127.0.0.1 with its
default token authorization, answering like the joblib model on the holdout."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.export_support import fit, log_fitted
from tests.support import inprocess_client, structured
from tests.torchserve_support import torchserve, wait_ready

pytest.importorskip("ts")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.slow,
    pytest.mark.external,  # TorchServe (Java)
    pytest.mark.xdist_group("torchserve"),
]


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
