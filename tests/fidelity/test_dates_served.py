"""A model with a date and a free-text column is served by joblib without moai-domain-ml: the
service carries the date-part step's own module, and answers what the pipeline answers."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import joblib

from mcp_server.ml.modeling.dataset import prepare
from mcp_server.ml.modeling.preprocess import build_pipeline
from mcp_server.ml.serving.fields import example_frame
from mcp_server.ml.serving.service import ModelInfo, render_service
from tests.fidelity.tables import accounts

WITHOUT_PACKAGE = r"""
import importlib.abc, json, sys
from pathlib import Path


class Block(importlib.abc.MetaPathFinder):  # as if moai-domain-ml were not installed
    def find_spec(self, name, path=None, target=None):
        if name == "mcp_server" or name.startswith("mcp_server."):
            raise ModuleNotFoundError(name)


sys.meta_path.insert(0, Block())
sys.path.insert(0, ".")
from app.predictor import Predictor
from app.schemas import EXAMPLE, Record

answer = Predictor(Path("app/model.joblib")).predict([Record.model_validate(EXAMPLE)])[0]
print(json.dumps({"answer": answer, "module": sys.modules["mcp_server.ml.preprocess"].__file__}))
"""


def test_a_dated_model_is_served_by_joblib_without_the_package(tmp_path: Path):
    table = tmp_path / "accounts.csv"
    accounts().to_csv(table, index=False)
    data = prepare(table, "churn")
    assert {f.name: f.kind for f in data.schema.features}.items() >= {
        "opened": "datetime",
        "note": "text",
    }.items()
    pipeline = build_pipeline(data.schema, "logistic_regression", {}, 0).fit(data.X, data.y)
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer)
    files = render_service(
        ModelInfo(pipeline, data.schema, "logistic_regression", "r1", {}),
        "joblib",
        buffer.getvalue(),
    )
    service = tmp_path / "service"
    for rel, content in files.items():
        (service / rel).parent.mkdir(parents=True, exist_ok=True)
        (service / rel).write_bytes(
            content if isinstance(content, bytes) else content.encode("utf-8")
        )
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_PACKAGE],
        cwd=service,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["module"].endswith("app/date_parts.py")
    example = json.loads(files["example.json"])
    frame = example_frame(data.schema, example)
    assert result["answer"]["prediction"] == data.schema.classes[int(pipeline.predict(frame)[0])]
    assert (
        abs(
            result["answer"]["probabilities"][str(data.schema.classes[0])]
            - pipeline.predict_proba(frame)[0][0]
        )
        < 1e-9
    )
