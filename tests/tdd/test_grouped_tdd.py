"""The generated TDD project splits as the product does (issue 22): with a SPEC `group_column` of
a hostile name on a table of copies, RED fails for the missing pipeline, GREEN passes (its test
that no copy or group is held out included), and the project's holdout rows are the product's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tdd import phases as tdd
from mcp_server.ml.tdd.spec_data import spec_split

GROUP = "pa\"tient\n{{ id }} '; import os"


def visits(rows: int = 160) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    base = pd.DataFrame({"a": rng.normal(size=rows), "b": rng.choice(["x", "y", "z"], rows)})
    base["outcome"] = np.where(base["a"] + rng.normal(0, 0.4, rows) > 0, "yes", "no")
    base[GROUP] = [f"p{i // 2}" for i in range(rows)]
    return pd.concat([base, base.sample(80, random_state=1)], ignore_index=True)  # copies


PROJECT_HOLDOUT = """
import json, sys
sys.path.insert(0, "src")
from ml_project.grp_001 import pipeline as pl
x_train, x_test, _, _ = pl.split(pl.load_data())
print(json.dumps({"test": [int(i) for i in x_test.index], "features": list(pl.FEATURES)}))
"""


@pytest.mark.slow
def test_a_group_column_project_goes_red_then_green_and_holds_out_the_products_rows(
    tmp_path: Path,
):
    (tmp_path / "data").mkdir()
    visits().to_csv(tmp_path / "data/visits.csv", index=False)
    ws = Workspace(tmp_path)
    fields = {
        "spec_id": "GRP-001",
        "dataset": "data/visits.csv",
        "target": "outcome",
        "metric": "accuracy",
        "threshold": 0.6,
        "group_column": GROUP,
    }
    prep = tdd.load(ws, None, fields, "ml_project")
    red = tdd.red(ws, prep)
    assert red.ok, red.warnings
    assert "test_no_copy_of_a_training_row_and_no_group_is_held_out" in {t.name for t in red.tests}
    green = tdd.green(ws, prep, model="logistic_regression")
    assert green.ok and all(t.status == "passed" for t in green.tests), green.tests
    out = subprocess.run(
        [sys.executable, "-c", PROJECT_HOLDOUT],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    project = json.loads(out.stdout)
    labeled, _, _, _, test_idx = spec_split(prep)
    assert project["test"] == [int(i) for i in labeled.index[test_idx]]
    assert GROUP not in project["features"] and prep.schema.dropped[GROUP] == "group column"
    held = set(labeled.iloc[test_idx][GROUP])
    assert held and not held & set(labeled.drop(index=labeled.index[test_idx])[GROUP])
