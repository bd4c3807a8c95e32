"""No write leaves the workspace through a symlink the repository ships (issue 15, high finding 1).

Git stores symlinks and MoAI projects commit `.moai/`: each case plants one link leading to a
canary folder outside the workspace, runs the tool that writes there, and checks the call fails
with a clear message, the canary is byte-identical, and no run was recorded as if all went well.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.tdd import phases as tdd
from tests.support import copy_examples, error_text, inprocess_client

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("symlinked_writes")]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def plant(project: Path, link: str, canary: Path, *, dangling: bool = False) -> None:
    """`link` inside the project points into `canary` (a folder, or a file that may not exist)."""
    path = project / link
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir() and not path.is_symlink():
        path.rmdir()
    target = canary / ("missing.db" if dangling else path.name)
    if not dangling and not link.endswith(".joblib"):
        target.mkdir(parents=True, exist_ok=True)
    elif not dangling:
        target.write_bytes(b"precious bytes outside the workspace")
    os.symlink(target, path)


TRAIN_LINKS = [
    (".moai/ml/tmp", False),
    (".moai/ml/artifacts", False),
    (".moai/ml/cache", False),
    (".moai/ml/mlflow.db", True),
    (".moai/ml", False),
]


@pytest.mark.parametrize(("link", "dangling"), TRAIN_LINKS, ids=[link for link, _ in TRAIN_LINKS])
async def test_training_refuses_a_store_folder_that_is_a_symlink_out_of_the_workspace(
    tmp_path: Path, link: str, dangling: bool
) -> None:
    project = copy_examples(tmp_path / "project")
    canary = tmp_path / "canary"
    canary.mkdir()
    plant(project, link, canary, dangling=dangling)
    before = snapshot(canary)
    async with inprocess_client(project) as client:
        result = await client.call_tool(
            "ml_train",
            {"data_path": "data/diabetes.csv", "target": "progression", "model": "ridge"},
        )
        assert result.is_error
        text = error_text(result)
        assert "outside the workspace" in text, text
        assert len(text.splitlines()) == 1 and "Traceback" not in text
        listed = await client.call_tool("ml_list_runs", {})
    assert snapshot(canary) == before
    assert not any(canary.rglob("*.db")), "an MLflow store was created outside the workspace"
    if not listed.is_error:
        assert (listed.structured_content or {}).get("runs", []) == []


TDD_LINKS = ["models", "models/ml_001/model.joblib", ".moai/ml/tdd", "tests/ml"]


@pytest.mark.parametrize("link", TDD_LINKS)
def test_the_tdd_phases_refuse_a_target_that_is_a_symlink_out_of_the_workspace(
    tmp_path: Path, link: str
) -> None:
    project = copy_examples(tmp_path / "project")
    canary = tmp_path / "canary"
    canary.mkdir()
    plant(project, link, canary)
    before = snapshot(canary)
    workspace = Workspace(project)
    with pytest.raises(MoaiMlError, match="outside the workspace"):
        prep = tdd.load(workspace, "ML-001", {}, "ml_project")
        tdd.red(workspace, prep)
        tdd.green(workspace, prep)
    assert snapshot(canary) == before


def test_exports_refuse_a_symlinked_exports_folder(tmp_path: Path) -> None:
    from mcp_server.ml.export.formats import export_pipeline
    from tests.export_support import fit

    project = copy_examples(tmp_path / "project")
    canary = tmp_path / "canary"
    canary.mkdir()
    plant(project, ".moai/ml/exports", canary)
    fitted = fit("binary", "logistic_regression")
    with pytest.raises(MoaiMlError, match="outside the workspace"):
        export_pipeline(
            Workspace(project),
            "run-a",
            fitted.pipeline,
            fitted.schema,
            "logistic_regression",
            "joblib",
        )
    assert snapshot(canary) == {}


def test_the_manifest_is_not_written_through_a_symlink(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    canary = tmp_path / "canary"
    canary.mkdir()
    (project / ".moai").mkdir()
    os.symlink(canary, project / ".moai/ml")
    with pytest.raises(MoaiMlError, match="outside the workspace"):
        Workspace(project).write_files({"notes.txt": "hello"})
    assert snapshot(canary) == {}


def test_a_symlink_loop_is_a_clear_error_not_a_crash(tmp_path: Path) -> None:
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    with pytest.raises(MoaiMlError, match="cannot be resolved"):
        Workspace(tmp_path).resolve("a/file.csv")
