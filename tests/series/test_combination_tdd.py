"""The combination family in a generated TDD project (`templates/tdd_series`): its module and
every member's are copied beside the pipeline, the pipeline trains it on the SPEC's training rows
and forecasts each series' horizon with intervals in an interpreter where `mcp_server` cannot be
imported, and the forecast of the holdout is the one this package's combination makes."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.modeling.estimators import make_estimator
from mcp_server.ml.tdd import phases as tdd
from tests.series.tdd_support import HORIZON, hostile_project

pytestmark = [pytest.mark.slow]

FIT = """
import importlib, json, sys
sys.modules["mcp_server"] = None
sys.path.insert(0, sys.argv[1])
pipeline = importlib.import_module(sys.argv[2] + ".pipeline")
x_train, x_test, y_train, y_test = pipeline.split(pipeline.load_data())
model = pipeline.build_pipeline().fit(x_train, y_train)
ahead = pipeline.forecast(model)
print(json.dumps({"holdout": pipeline.predict(model, x_test), "rows": len(ahead),
                  "ordered": bool((ahead["lower"] <= ahead["forecast"]).all()
                                  and (ahead["forecast"] <= ahead["upper"]).all()),
                  "members": model[-1].chosen_["members"],
                  "moai": sorted(m for m in sys.modules
                                 if m.startswith("mcp_server") and sys.modules[m])}))
"""


def test_the_generated_pipeline_trains_and_forecasts_the_combination_without_mcp_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = hostile_project(tmp_path / "project", stores=2, days=70)
    prep = tdd.load(Workspace(project), "ML-026", None, "proj")
    files = tdd.pipeline_files(prep, "combo", {"top": 2}, "named in the test")
    for rel, text in files.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(str(text), encoding="utf-8")
    written = {Path(rel).name for rel in files}
    assert {"combination.py", "arima.py", "ets.py", "theta.py", "boosted.py"} <= written
    assert not [p for p in (project / "src").rglob("*.py") if "mcp_server" in p.read_text()]
    done = subprocess.run(
        [sys.executable, "-I", "-c", FIT, str(project / "src"), "proj.ml_026"],
        capture_output=True,
        text=True,
        cwd=project,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert (answer["rows"], answer["ordered"], answer["moai"]) == (2 * HORIZON, True, [])

    monkeypatch.syspath_prepend(str(project / "src"))
    generated = importlib.import_module("proj.ml_026.pipeline")
    x_train, x_test, y_train, _ = generated.split(generated.load_data())
    ours = make_estimator("combo", "regression", dict(generated.MODEL_PARAMS), 0)
    ours.fit(x_train, y_train)
    assert ours.chosen_["members"] == answer["members"]
    np.testing.assert_allclose(answer["holdout"], ours.predict(x_test), rtol=1e-9)
