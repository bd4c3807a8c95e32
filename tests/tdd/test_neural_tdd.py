"""The TDD cycle with a neural family: RED's 12 generated tests fail, then GREEN renders a
PyTorch (skorch) or Keras pipeline that passes the same 12 (latency and size budgets included)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mcp_server.ml.tdd import phases as tdd
from mcp_server.workspace import Workspace

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("skorch")
pytest.importorskip("keras")
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("neural_tdd")]


@pytest.mark.parametrize(("model", "spec"), [("torch_mlp", "SPEC-ML-001"), ("keras_mlp", "SPEC-ML-003")])
def test_red_then_green_with_a_neural_family_passes_the_same_fifteen_generated_tests(
    project: Path, model: str, spec: str
):
    workspace = Workspace(project)
    spec_path = f".moai/specs/{spec}/spec.md"
    red = tdd.red(workspace, tdd.load(workspace, spec_path, None, "mlproj"))
    assert red.ok and len(red.tests) == 15 and all(t.status != "passed" for t in red.tests)
    green = tdd.green(workspace, tdd.load(workspace, spec_path, None, "mlproj"), model)
    failing = [(t.name, t.status, t.detail[-300:]) for t in green.tests if t.status != "passed"]
    assert green.ok, (green.problems, failing)
    assert green.model == model and [t.status for t in green.tests] == ["passed"] * 15
    names = {t.name for t in green.tests}
    assert {"test_one_row_gets_a_valid_prediction_within_the_latency_budget",
            "test_the_saved_model_fits_the_size_budget"} <= names  # fmt: skip
    assert all(gate.passed for gate in green.metrics)
    pipeline = (
        project / "src/mlproj" / spec.removeprefix("SPEC-").lower().replace("-", "_") / "pipeline.py"
    ).read_text()
    assert f"MODEL_NAME = {model!r}" in pipeline
