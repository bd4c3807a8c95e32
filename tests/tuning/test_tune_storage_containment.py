"""`ml_tune` keeps its study storage inside the workspace (issue 23, high 3).

A shipped symlink `.moai/ml/optuna.db` (to a database or to nothing) and SQLite URLs that name a
file elsewhere (`sqlite:////abs/outside.db`, `sqlite:///../../outside.db`) are refused with one
line naming the fix; nothing is created or changed outside, not even a parent folder.
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
from pathlib import Path

import pytest
from mcp import Client

from tests.support import copy_examples, inprocess_client, server_params
from tests.train_support import call, call_error

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("test_tune")]

TUNE = {
    "data_path": "data/diabetes.csv",
    "target": "progression",
    "strategy": "grid",
    "models": ["ridge"],
    "search_space": {"ridge": {"alpha": [0.1, 1.0]}},
    "cv_folds": 2,
    "time_budget_s": 60,
    "background": False,
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def foreign_database(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE precious (x INTEGER)")


def assert_one_line_refusal(text: str) -> None:
    assert len(text.splitlines()) == 1 and "Traceback" not in text, text
    assert "outside the workspace" in text and "storage" in text, text


@pytest.mark.parametrize("dangling", [False, True], ids=["to a database", "dangling"])
async def test_a_symlinked_default_study_database_is_refused_and_the_outside_is_unchanged(
    tmp_path: Path, dangling: bool
) -> None:
    project = copy_examples(tmp_path / "project")
    canary = tmp_path / "canary"
    canary.mkdir()
    target = canary / "foreign.db"
    if not dangling:
        foreign_database(target)
    (project / ".moai/ml").mkdir(parents=True, exist_ok=True)
    os.symlink(target, project / ".moai/ml/optuna.db")
    before = snapshot(canary)
    async with inprocess_client(project) as client:
        assert_one_line_refusal(await call_error(client, "ml_tune", **TUNE))
    assert snapshot(canary) == before


@pytest.mark.parametrize(
    "url", ["sqlite:///{canary}/deep/outside.db", "sqlite:///../../outside.db"]
)
async def test_a_sqlite_storage_outside_the_workspace_is_refused_and_nothing_is_created(
    tmp_path: Path, url: str
) -> None:
    project = copy_examples(tmp_path / "sub" / "project")
    canary = tmp_path / "canary"
    canary.mkdir()
    storage = url.format(canary=canary)
    async with inprocess_client(project) as client:
        assert_one_line_refusal(await call_error(client, "ml_tune", **TUNE, storage=storage))
    assert not (canary / "deep").exists(), "a parent folder was created outside the workspace"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["canary", "sub"]
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["project"]


async def test_a_relative_sqlite_storage_lands_in_the_workspace_whatever_the_server_cwd(
    tmp_path: Path,
) -> None:
    project = copy_examples(tmp_path / "project")
    params = server_params(project)
    params.cwd = str(tmp_path)
    async with Client(params, read_timeout_seconds=600) as client:
        result = await call(client, "ml_tune", **TUNE, storage="sqlite:///.moai/ml/studies/s.db")
    assert result["best_model"] == "ridge"
    assert (project / ".moai/ml/studies/s.db").is_file()


@pytest.mark.parametrize("url", ["sqlite://user:pw@/", "sqlite://", "sqlite:///x.db?mode=ro"])
def test_a_sqlite_url_with_a_host_password_or_options_is_a_one_line_error(
    tmp_path: Path, url: str
) -> None:
    from mcp_server.core.errors import MoaiMlError
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.tuning.storage import study_url

    with pytest.raises(MoaiMlError, match="sqlite:///<path inside the workspace>") as caught:
        study_url(Workspace(tmp_path), url)
    assert "pw" not in str(caught.value) and len(str(caught.value).splitlines()) == 1


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mysql+pymysql://user:pw@127.0.0.1:1/db", "needs the database driver 'pymysql'"),
        ("postgresql+nosuchdriver://user:pw@127.0.0.1:1/db", "not a database URL"),
    ],
)
def test_a_storage_whose_driver_is_missing_or_unknown_is_a_one_line_error_without_its_password(
    url: str, words: str
) -> None:
    from mcp_server.core.errors import MoaiMlError
    from mcp_server.ml.tuning.storage import check_reachable

    pytest.importorskip("sqlalchemy")
    if "pymysql" in url and importlib.util.find_spec("pymysql") is not None:
        pytest.skip("pymysql is installed here")
    with pytest.raises(MoaiMlError, match=words) as caught:
        check_reachable(url)
    assert "pw" not in str(caught.value) and len(str(caught.value).splitlines()) == 1
