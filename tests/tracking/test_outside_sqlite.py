"""A SQLite tracking store the person configured outside the workspace works for every run tool."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from tests.support import copy_examples, server_params, structured

pytestmark = pytest.mark.anyio


async def test_ml_list_runs_works_with_a_sqlite_tracking_uri_outside_the_workspace(tmp_path: Path):
    project = copy_examples(tmp_path / "project")
    db = tmp_path / "elsewhere" / "mlflow.db"
    db.parent.mkdir()
    params = server_params(project)
    params.env = {**(params.env or {}), "MLFLOW_TRACKING_URI": f"sqlite:///{db}"}
    async with Client(params, read_timeout_seconds=600) as client:
        args = {
            "data_path": "data/breast_cancer.csv",
            "target": "target",
            "model": "logistic_regression",
        }
        run = structured(await client.call_tool("ml_train", args))
        listed = structured(await client.call_tool("ml_list_runs", {}))
    assert [r["run_id"] for r in listed["runs"]] == [run["run_id"]]
    assert listed["tracking_uri"] == str(db) and db.is_file()
