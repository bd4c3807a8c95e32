"""`ml_generate_serving` end to end: a real MCP client, a real run store, the generated service
tested by its own tests, served by uvicorn on 127.0.0.1, compared with the model, and fuzzed."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from mcp_server.ml.export.onnx_parity import float32_view
from mcp_server.ml.serving.fields import field_specs
from tests.export_support import Fitted, fit, log_fitted
from tests.support import (
    error_text,
    generated_pytest,
    inprocess_client,
    structured,
    uvicorn_service,
)

pytestmark = pytest.mark.anyio
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CASES = [
    ("binary", "random_forest", "onnx", "data/breast_cancer.csv"),
    ("regression", "lightgbm", "onnx", "data/diabetes.csv"),
    ("multiclass", "random_forest", "joblib", "data/customers.csv"),
]


def _records(fitted: Fitted, rows: int) -> list[dict[str, Any]]:
    """Held-out rows as JSON records: NaN -> null, boolean tokens -> true/false."""
    specs = {spec["name"]: spec for spec in field_specs(fitted.schema)}
    records = []
    for _, row in fitted.test.head(rows).iterrows():
        record: dict[str, Any] = {}
        for name, spec in specs.items():
            value = row[name]
            if value is None or (isinstance(value, float) and math.isnan(value)):
                record[name] = None
            elif spec["kind"] == "bool":
                record[name] = value == spec["yes"]
            else:
                record[name] = float(value) if spec["kind"] == "number" else str(value)
        records.append(record)
    return records


def _assert_http_equals_model(base: str, fitted: Fitted, runtime: str) -> None:
    records = _records(fitted, 60)
    reply = httpx.post(f"{base}/predict/batch", json={"records": records}, timeout=30)
    assert reply.status_code == 200, reply.text
    got = reply.json()["predictions"]
    frame = fitted.test.head(60)
    reference = float32_view(frame, fitted.schema) if runtime == "onnx" else frame
    tolerance = 1e-4 if runtime == "onnx" else 1e-9
    if fitted.schema.task == "regression":
        want = fitted.pipeline.predict(reference)
        assert np.allclose([p["prediction"] for p in got], want, rtol=tolerance, atol=tolerance)
    else:
        classes = fitted.schema.classes
        proba = fitted.pipeline.predict_proba(reference)
        assert [p["prediction"] for p in got] == [
            classes[int(c)] for c in fitted.pipeline.predict(reference)
        ]
        got_proba = [[p["probabilities"][str(c)] for c in classes] for p in got]
        assert np.abs(np.array(got_proba) - proba).max() <= tolerance
    single = httpx.post(f"{base}/predict", json=records[0], timeout=30).json()
    assert single == got[0]


@pytest.mark.slow
@pytest.mark.parametrize(("task", "model", "runtime", "data"), CASES)
async def test_the_generated_service_passes_its_tests_serves_the_predictions_and_survives_fuzzing(
    project: Path, task: str, model: str, runtime: str, data: str
) -> None:
    fitted = fit(task, model, {"n_estimators": 40})
    run_id = log_fitted(project, fitted, data, tags={"moai.spec_id": "ML-042"})
    async with inprocess_client(project) as client:
        result = structured(
            await client.call_tool("ml_generate_serving", {"run_id": run_id, "runtime": runtime})
        )
    assert result["output_dir"] == "serving/ml_042" and result["runtime"] == runtime
    assert (result["parity"] is not None) == (runtime == "onnx")
    service = project / result["output_dir"]
    assert (service / "app" / ("model.onnx" if runtime == "onnx" else "model.joblib")).is_file()
    generated_tests = generated_pytest(service)
    assert generated_tests.returncode == 0, generated_tests.stdout[-3000:]
    with uvicorn_service(service, "/ready", "--workers", "1") as base:
        assert httpx.get(f"{base}/metadata").json()["run_id"] == run_id
        _assert_http_equals_model(base, fitted, runtime)
        fuzz = subprocess.run(
            [
                str(SCHEMATHESIS),
                "run",
                f"{base}/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                "50",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert fuzz.returncode == 0, fuzz.stdout[-4000:]
        assert "No issues found" in fuzz.stdout


async def test_regenerating_keeps_person_edited_files_and_bad_requests_get_clear_errors(
    project: Path,
) -> None:
    run_id = log_fitted(project, fit("binary", "logistic_regression"), "data/breast_cancer.csv")
    (project / "notes.txt").write_text("not a folder", encoding="utf-8")
    bad = [
        ({"run_id": "0123456789abcdef0123456789abcdef"}, "0123456789abcdef0123456789abcdef"),
        ({"run_id": "a/b"}, "run_id"),
        ({"run_id": run_id, "output_dir": "../elsewhere"}, "outside the workspace"),
        ({"run_id": run_id, "output_dir": ".moai/ml/svc"}, "folder of its own"),
        ({"run_id": run_id, "output_dir": "."}, "folder of its own"),
        ({"run_id": run_id, "output_dir": "notes.txt"}, "is a file"),
        ({"run_id": run_id, "runtime": "tensorflow"}, "runtime"),
    ]
    async with inprocess_client(project) as client:
        first = structured(
            await client.call_tool("ml_generate_serving", {"run_id": run_id, "output_dir": "svc"})
        )
        assert (
            "svc/app/main.py" in first["files_written"]
            and "svc/Dockerfile" in first["files_written"]
        )
        readme = project / "svc" / "README.md"
        readme.write_text(
            readme.read_text(encoding="utf-8") + "\nOur deployment notes.\n", encoding="utf-8"
        )
        again = structured(
            await client.call_tool("ml_generate_serving", {"run_id": run_id, "output_dir": "svc"})
        )
        assert again["files_skipped"] == ["svc/README.md"]
        assert "Our deployment notes." in readme.read_text(encoding="utf-8")
        for arguments, message in bad:
            result = await client.call_tool("ml_generate_serving", arguments)
            assert result.is_error, arguments
            assert message in error_text(result), (arguments, error_text(result))
        forced = structured(
            await client.call_tool(
                "ml_generate_serving", {"run_id": run_id, "output_dir": "svc", "overwrite": True}
            )
        )
        assert forced["files_written"] == ["svc/README.md"]
    dockerfile = (project / "svc" / "Dockerfile").read_text(encoding="utf-8")
    assert "-slim" in dockerfile and "USER service" in dockerfile and "HEALTHCHECK" in dockerfile
    pinned = (project / "svc" / "requirements.txt").read_text(encoding="utf-8").split()
    assert all(
        "==" in line
        for line in pinned
        if not line.startswith("#") and line.isascii() and "=" in line
    )
    assert any(line.startswith("onnxruntime==") for line in pinned)
