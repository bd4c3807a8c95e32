"""`ml_generate_serving runtime="tfserving"`: a SavedModel under <name>/1/ written by TensorFlow
(its
own venv), a models.config that tensorflow-serving-api's protos parse, and the README's REST body
accepted by the serving signature, which answers like the Keras pipeline on the holdout."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.export.onnx_parity import float32_view
from mcp_server.ml.serving.generate import generate_serving
from mcp_server.ml.serving.tfserving import SCRIPT, request_body
from tests.export_support import fit, log_fitted
from tests.support import ROOT

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("keras")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.external,  # TensorFlow in .venv-tf
    pytest.mark.xdist_group("tfserving"),
]
TF_PYTHON = os.environ.get("MOAI_ML_TF_PYTHON") or str(ROOT / ".venv-tf/bin/python")


def _check(folder: Path, name: str, request: Path) -> dict:
    done = subprocess.run(
        [TF_PYTHON, str(SCRIPT), "check", f"{name}/1", str(request), "models.config"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_saved_model_config_and_readme_body_work_and_answer_like_the_keras_model(
    project: Path, monkeypatch: pytest.MonkeyPatch
):
    if not Path(TF_PYTHON).is_file():
        pytest.skip("no TensorFlow venv: run scripts/setup_tf_venv.sh (make test does)")
    monkeypatch.setenv("MOAI_ML_TF_PYTHON", TF_PYTHON)
    fitted = fit("multiclass", "keras_mlp")
    run_id = log_fitted(project, fitted, "data/customers.csv", tags={"moai.spec_id": "ML-015"})
    done = generate_serving(Workspace(project), run_id, None, "tfserving")
    folder = project / done.output_dir
    assert (
        done.output_dir == "serving/ml_015" and "POST /v1/models/ml_015:predict" in done.endpoints
    )
    assert (folder / "ml_015/1/saved_model.pb").is_file() and (
        folder / "ml_015/1/variables"
    ).is_dir()
    readme = (folder / "README.md").read_text()
    assert "not on PyPI" in readme and "docker run" in readme and "tensorflow/serving" in readme
    shown = json.loads(re.search(r"```json\n(.*?)\n```", readme, re.S).group(1))
    assert shown == json.loads((folder / "request.json").read_text())
    answer = _check(folder, "ml_015", folder / "request.json")
    assert answer["models"] == [
        {"name": "ml_015", "base_path": "/models/ml_015", "platform": "tensorflow"}
    ]
    assert len(answer["answers"]["label"]) == 1 and len(answer["answers"]["probabilities"][0]) == 3
    holdout = fitted.test.head(120)
    records = [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
        for r in holdout.to_dict("records")
    ]
    (folder / "holdout.json").write_text(
        json.dumps(request_body(fitted.schema, records))
    )  # NaN = missing number
    got = _check(folder, "ml_015", folder / "holdout.json")["answers"]
    reference = float32_view(holdout, fitted.schema)
    assert got["label"] == fitted.pipeline.predict(reference).tolist()
    assert (
        np.abs(np.array(got["probabilities"]) - fitted.pipeline.predict_proba(reference)).max()
        < 1e-4
    )
