from __future__ import annotations

from pathlib import Path

import pytest

from mcp_server.entry.server import build_server
from mcp_server.files.workspace import Workspace
from tests.support import copy_examples


def pytest_configure(config: pytest.Config) -> None:
    """`external` beside pyproject's `slow`: `make check` runs the tests that are neither (README,
    "Tests"); `make test` runs them all."""
    config.addinivalue_line(
        "markers",
        "external: needs a stack outside this package's venv (PostgreSQL, an mlflow server, "
        "TorchServe, TensorFlow, Feast, DVC and git, Chromium, evidently, Claude Code's CLI, "
        "the network)",
    )


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A user's project: a fresh copy of examples/ (SPECs under .moai/specs, tables under data/)."""
    return copy_examples(tmp_path / "project")


@pytest.fixture
def workspace(project: Path) -> Workspace:
    return Workspace(project)


@pytest.fixture
def server(project: Path):  # type: ignore[no-untyped-def]
    """The real server, for in-process contract checks (tool calls: `support.inprocess_client`)."""
    return build_server(project)
