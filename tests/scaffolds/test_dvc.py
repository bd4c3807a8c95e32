"""ml_scaffold_dvc, proven by the real DVC: init, repro, metrics, a param change that reruns only
its dependants; bad input is refused before anything is written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.scaffolds.dvc import render_pipeline, scaffold_dvc
from mcp_server.ml.tdd import phases as tdd
from tests.support import ROOT, copy_examples, error_text, inprocess_client, structured

pytest.importorskip("dvc", reason="install the dvc extra: pip install -e '.[dvc]'")
BIN = Path(sys.executable).parent
ENV = {
    **os.environ,
    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    "DVC_NO_ANALYTICS": "1",
    "DO_NOT_TRACK": "true",
}


def dvc(project: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "dvc", *args],
        cwd=project,
        capture_output=True,
        text=True,
        env=ENV,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def ruff(*args: str) -> None:
    done = subprocess.run(
        [str(BIN / "ruff"), "check", *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.external  # DVC and git
@pytest.mark.anyio
async def test_dvc_repro_runs_a_tdd_runs_pipeline_and_a_param_change_reruns_only_its_dependants(
    project: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("DO_NOT_TRACK", "true")  # MLflow (the TDD run) sends no telemetry
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    ws = Workspace(project)
    prep = tdd.load(ws, "ML-001", None, "ml_project")
    assert tdd.red(ws, prep).ok
    green = tdd.green(ws, prep)
    # The DVC stages need the pipeline and the run, not every gate: a loaded machine may miss the
    # SPEC's one-row latency budget, which says nothing about the pipeline DVC runs.
    unrelated = {"test_one_row_is_predicted_within_the_latency_budget"}
    assert {t.name for t in green.tests if t.status != "passed"} <= unrelated and green.run_id
    tdd_metrics = json.loads((project / ".moai/ml/tdd/ml_001/green-metrics.json").read_text())[
        "holdout"
    ]

    async with inprocess_client(project) as client:
        out = structured(
            await client.call_tool("ml_scaffold_dvc", {"run_id": green.run_id, "init": True})
        )
    assert out["initialized"][0] == "dvc init" and out["stages"] == ["prepare", "train", "evaluate"]
    assert "analytics = false" in (project / ".dvc/config.local").read_text(), (
        "no analytics sent for the user"
    )
    folder = project / out["folder"]
    assert {Path(f).name for f in out["files_written"]} == {
        "dvc.yaml",
        "params.yaml",
        "prepare.py",
        "train.py",
        "evaluate.py",
    }
    scripts = [str(folder / f"{stage}.py") for stage in out["stages"]]
    ruff("--isolated", *scripts)
    ruff("--config", str(ROOT / "pyproject.toml"), *scripts)
    for script in scripts:
        assert "ml_project.ml_001.pipeline" in Path(script).read_text(), (
            "stages import the generated pipeline"
        )
    assert yaml.safe_load((folder / "params.yaml").read_text())["prepare"] == {
        "seed": 42,
        "test_size": 0.2,
    }
    assert "prepare" in dvc(
        project, "stage", "list", "-R", "pipelines"
    )  # DVC's own parser reads dvc.yaml

    first = dvc(project, "repro", out["dvc_yaml"])
    assert all(f"Running stage '{out['dvc_yaml']}:{stage}'" in first for stage in out["stages"])
    shown = json.loads(dvc(project, "metrics", "show", "--json"))
    assert shown[""]["data"][f"{out['folder']}/metrics.json"]["data"] == tdd_metrics
    assert json.loads(dvc(project, "status", "--json")) == {}

    params = folder / "params.yaml"
    params.write_text(params.read_text().replace("max_iter: 2000", "max_iter: 2000\n    C: 0.05"))
    stale = json.loads(dvc(project, "status", "--json"))
    assert list(stale) == [f"{out['dvc_yaml']}:train"]
    assert stale[f"{out['dvc_yaml']}:train"] == [
        {"changed deps": {f"{out['folder']}/params.yaml": {"train": "modified"}}}
    ]
    second = dvc(project, "repro", out["dvc_yaml"])
    assert f"Stage '{out['dvc_yaml']}:prepare' didn't change, skipping" in second
    assert (
        f"Running stage '{out['dvc_yaml']}:train'" in second
        and f"Running stage '{out['dvc_yaml']}:evaluate'" in second
    )
    changed = json.loads((folder / "metrics.json").read_text())
    assert changed != tdd_metrics and set(changed) == {"roc_auc", "f1"}

    again = scaffold_dvc(ws, prep)
    assert again.files_skipped == [f"{out['folder']}/params.yaml"], "the edited params.yaml is kept"
    assert "C: 0.05" in params.read_text()


def test_a_workspace_that_is_not_a_git_repository_is_refused_and_nothing_is_written(tmp_path: Path):
    project = copy_examples(tmp_path / "not-git")
    ws = Workspace(project)
    with pytest.raises(
        MoaiMlError,
        match=r"not a git repository .* run `git init` there, or call ml_scaffold_dvc with "
        r"init=true",
    ):
        scaffold_dvc(ws, tdd.load(ws, "ML-001", None, "ml_project"))
    assert not (project / "pipelines").exists() and not (project / ".git").exists()


@pytest.mark.anyio
async def test_a_spec_without_a_dataset_or_without_a_pipeline_is_refused_and_nothing_is_written(
    project: Path,
):
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    spec = project / ".moai/specs/SPEC-ML-002/spec.md"
    spec.write_text(
        "\n".join(line for line in spec.read_text().splitlines() if not line.startswith("dataset:"))
    )
    async with inprocess_client(project) as client:
        no_dataset = await client.call_tool(
            "ml_scaffold_dvc", {"spec_path": "ML-002", "init": True}
        )
        no_pipeline = await client.call_tool(
            "ml_scaffold_dvc", {"spec_path": "ML-001", "init": True}
        )
    assert no_dataset.is_error and "dataset" in error_text(no_dataset)
    assert no_pipeline.is_error and re.search(
        r"pipeline.py does not exist.*Run ml_tdd_red and ml_tdd_green for ML-001",
        error_text(no_pipeline),
    )
    assert not (project / "pipelines").exists() and not (project / ".dvc").exists()


@pytest.mark.parametrize(
    ("spec_id", "plot"), [("ML-002", "predictions.csv"), ("ML-003", "confusion.csv")]
)
def test_regression_and_multiclass_pipelines_render_stage_scripts_that_pass_ruff(
    workspace: Workspace, tmp_path: Path, spec_id: str, plot: str
):
    prep = tdd.load(workspace, spec_id, None, "ml_project")
    folder, params, files = render_pipeline(
        prep, "random_forest", {"n_estimators": 50, "random_state": 42}
    )
    assert params["train"]["model_params"] == {"n_estimators": 50, "random_state": 42}
    for rel, text in files.items():
        (tmp_path / Path(rel).name).write_text(text)
    stages = yaml.safe_load(files[f"{folder}/dvc.yaml"])["stages"]
    assert list(stages) == ["prepare", "train", "evaluate"] and list(
        stages["evaluate"]["plots"][0]
    ) == [f"plots/{plot}"]
    assert f"../../{prep.data_rel}" in stages["prepare"]["deps"]
    scripts = [str(tmp_path / f"{stage}.py") for stage in stages]
    ruff("--isolated", *scripts)
    ruff("--config", str(ROOT / "pyproject.toml"), *scripts)
