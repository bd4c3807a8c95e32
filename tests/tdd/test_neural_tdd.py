"""The TDD cycle with a neural family: RED's 12 generated tests fail, then GREEN renders a
PyTorch (skorch) or Keras pipeline that passes the same 12 (latency and size budgets included)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tdd import phases as tdd

ROOT = Path(__file__).resolve().parents[2]

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("skorch")
pytest.importorskip("keras")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("model", "spec"), [("torch_mlp", "SPEC-ML-001"), ("keras_mlp", "SPEC-ML-003")]
)
def test_red_then_green_with_a_neural_family_passes_the_same_sixteen_generated_tests(
    project: Path, model: str, spec: str
):
    workspace = Workspace(project)
    spec_path = f".moai/specs/{spec}/spec.md"
    red = tdd.red(workspace, tdd.load(workspace, spec_path, None, "mlproj"))
    assert red.ok and len(red.tests) == 16 and all(t.status != "passed" for t in red.tests)
    green = tdd.green(workspace, tdd.load(workspace, spec_path, None, "mlproj"), model)
    failing = [(t.name, t.status, t.detail[-300:]) for t in green.tests if t.status != "passed"]
    assert green.ok, (green.problems, failing)
    assert green.model == model and [t.status for t in green.tests] == ["passed"] * 16
    names = {t.name for t in green.tests}
    assert {
        "test_one_row_is_predicted_within_the_latency_budget",
        "test_the_saved_model_fits_the_size_budget",
    } <= names
    assert all(gate.passed for gate in green.metrics)
    module = spec.removeprefix("SPEC-").lower().replace("-", "_")
    folder = project / "src/mlproj" / module
    pipeline = (folder / "pipeline.py").read_text()
    assert f'MODEL_NAME = "{model}"' in pipeline
    copied = {"torch_mlp": ["neural.py"], "keras_mlp": ["keras_mlp.py", "neural.py"]}[model]
    # labels.py: the label wrapper every classifier gets; splits.py: the product's own split
    own = ("__init__.py", "pipeline.py", "labels.py", "splits.py")
    assert (folder / "labels.py").is_file() and (folder / "splits.py").is_file()
    assert sorted(p.name for p in folder.glob("*.py") if p.name not in own) == copied
    assert not [p for p in (project / "src").rglob("*.py") if "mcp_server" in p.read_text()]
    _ruff(*(folder / name for name in ["pipeline.py", "labels.py", *copied]))
    _loads_and_predicts_without_mcp_server(project, f"mlproj.{module}", model)


def _ruff(*paths: Path) -> None:
    """The project's rules, then ruff's own default rule set (a user's project may have no
    config)."""
    ruff = str(ROOT / ".venv/bin/ruff")
    project_rules = [
        ruff,
        "check",
        "--isolated",
        "--line-length",
        "120",
        "--target-version",
        "py311",
        "--select",
        "E,F,W,I,B,UP,C90",
    ]
    for command in (project_rules, [ruff, "check", "--isolated", "--no-cache"]):
        done = subprocess.run(
            [*command, *map(str, paths)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr


# A fresh interpreter in isolated mode (no PYTHONPATH, no user site, no script folder on the path)
# where importing mcp_server fails: the model must unpickle with the generated package alone, then
# the generated pipeline module predicts with it.
LOAD = """
import importlib, json, math, sys
sys.modules["mcp_server"] = None  # any import of it now raises ImportError
sys.path.insert(0, sys.argv[1])
import joblib
model = joblib.load(sys.argv[3])
pipeline = importlib.import_module(sys.argv[2] + ".pipeline")
_, x_test, _, y_test = pipeline.split(pipeline.load_data())
answers = pipeline.predict(model, x_test)
known = set(getattr(pipeline, "CLASSES", [])) or None
print(json.dumps({"rows": len(answers), "valid": all(a in known if known else math.isfinite(a) for a in answers),
                  "class": type(model.pipeline[-1]).__module__, "saved": type(model).__module__,
                  "moai": sorted(m for m in sys.modules if m.startswith("mcp_server") and sys.modules[m])}))
"""


def _loads_and_predicts_without_mcp_server(project: Path, package: str, model: str) -> None:
    saved = next((project / "models").rglob("model.joblib"))
    done = subprocess.run(
        [sys.executable, "-I", "-c", LOAD, str(project / "src"), package, str(saved)],
        capture_output=True,
        text=True,
        cwd=project,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["moai"] == [] and answer["valid"] and answer["rows"] > 20
    assert (
        answer["saved"] == f"{package}.pipeline"
    )  # the label-restoring wrapper of the project itself
    assert answer["class"] == f"{package}.{'keras_mlp' if model == 'keras_mlp' else 'neural'}"


def test_refactor_candidates_that_are_neural_import_the_copied_modules_and_never_mcp_server(
    project: Path,
):
    from mcp_server.ml.tdd.context import selection_context
    from mcp_server.ml.tdd.phases import render

    workspace = Workspace(project)
    prep = tdd.load(
        workspace,
        "ML-001",
        {"candidates": ["logistic_regression", "torch_mlp", "keras_mlp"]},
        "proj",
    )
    workspace.write_files(tdd.pipeline_files(prep, "logistic_regression", None, "test"))
    workspace.write_files(render("refactor", selection_context(prep)))
    folder = project / "src/proj/ml_001"
    assert sorted(p.name for p in folder.glob("*.py")) == [
        "__init__.py",
        "keras_mlp.py",
        "labels.py",
        "neural.py",
        "pipeline.py",
        "selection.py",
        "splits.py",
    ]
    assert (
        "from .keras_mlp import KerasMLPClassifier\nfrom .neural import TorchMLPClassifier"
        in (folder / "selection.py").read_text()
    )
    _ruff(*folder.glob("*.py"))
    code = 'import sys; sys.modules["mcp_server"] = None; sys.path.insert(0, "src"); '
    code += "import proj.ml_001.selection as s; print(sorted(s.CANDIDATES))"
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], cwd=project, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == repr(sorted(["logistic_regression", "torch_mlp", "keras_mlp"]))
