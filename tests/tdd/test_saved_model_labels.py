"""The TDD cycle's saved model (`models/<spec>/model.joblib`, written by the generated pipeline)
answers like scikit-learn promises, loaded with plain joblib in a fresh process that has no
moai-domain-ml on its path: `predict` returns the CSV's own labels and `classes_` holds them."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

# With test_tdd_tools.py, which reads the same cycle of ML-003: one worker, no wait on its lock.
pytestmark = pytest.mark.xdist_group("tdd_cycled")

LOAD = """
import json, sys
import joblib, pandas as pd
assert "mcp_server" not in sys.modules
model = joblib.load("models/ml_003/model.joblib")
frame = pd.read_csv("data/customers.csv")
assert not any(name.startswith("mcp_server") for name in sys.modules), "the model needs moai-domain-ml"
print(json.dumps({"predicted": [str(v) for v in model.predict(frame.drop(columns=["segment"]))],
                  "classes": [str(v) for v in model.classes_], "proba": model.predict_proba(frame).shape}))
"""


@pytest.mark.slow
def test_the_saved_tdd_model_predicts_the_csv_s_labels_with_plain_joblib_in_a_fresh_process(
    cycled,
):
    shared = cycled("ML-003")  # RED, GREEN and REFACTOR through the tools, shared by the run
    project = shared.project
    assert shared.answers["red"]["red_confirmed"]
    assert (
        shared.answers["green"]["model_path"]
        == shared.answers["refactor"]["model_path"]
        == "models/ml_003/model.joblib"
        and (project / "src/ml_project/ml_003/labels.py").is_file()
    )
    # Only the generated project's src/ on the path: not this repository, not mcp_server.
    # No bytecode written: the shared project is read-only.
    env = {"PYTHONPATH": str(project / "src"), "PATH": "/usr/bin:/bin", "PYTHONSAFEPATH": "1"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", LOAD],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout)
    labels = set(pd.read_csv(project / "data/customers.csv")["segment"].dropna().astype(str))
    assert sorted(got["classes"]) == sorted(labels) and set(got["predicted"]) <= labels
    assert len(set(got["predicted"])) > 1 and got["proba"] == [
        len(pd.read_csv(project / "data/customers.csv")),
        3,
    ]
