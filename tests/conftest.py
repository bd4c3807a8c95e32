from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from mcp_server.entry.server import build_server
from mcp_server.files.workspace import Workspace
from tests import next_step_calls
from tests.support import copy_examples, copy_workspace, inprocess_client, structured


def pytest_configure(config: pytest.Config) -> None:
    """One native (OpenMP/BLAS) thread per test process, as in the product's jobs: `make test` runs
    two workers on two cores, and a fit in a worker with a thread per core oversubscribes them
    (OpenMP threads that spin while waiting made a 400-row histogram boosting fit take minutes).
    Set before numpy or scikit-learn loads (conftest imports neither); servers and jobs that tests
    start inherit it. And `external` beside pyproject's `slow`: `make check` runs the tests that
    are neither (README, "Tests"); `make test` runs them all."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    if not hasattr(config, "workerinput"):  # the controller: its xdist workers inherit the file
        record = Path(tempfile.mkdtemp(prefix="moai-next-steps-")) / "next_steps.jsonl"
        os.environ[next_step_calls.RECORD] = str(record)
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


# Runs trained through `ml_train` once per test process (xdist: per worker) and shared by the tests
# that need a trained run rather than a test of training itself: name -> ml_train arguments.
SHARED_RUNS: dict[str, dict[str, Any]] = {
    "logistic": {
        "data_path": "data/breast_cancer.csv",
        "target": "target",
        "model": "logistic_regression",
    },
    "forest": {
        "data_path": "data/breast_cancer.csv",
        "target": "target",
        "model": "random_forest",
        "params": {"n_estimators": 30},
        "spec_id": "ML-001",
    },
}


@pytest.fixture(scope="session")
def trained_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """examples/ with the SHARED_RUNS trained in it, and each run's ml_train result. Never
    changed: tests get a copy (`trained`)."""
    project = copy_examples(tmp_path_factory.mktemp("trained") / "project")

    async def train() -> dict[str, Any]:
        async with inprocess_client(project) as client:
            return {
                name: structured(await client.call_tool("ml_train", args))
                for name, args in SHARED_RUNS.items()
            }

    return project, anyio.run(train)


@pytest.fixture
def trained(
    trained_template: tuple[Path, dict[str, Any]], tmp_path: Path
) -> tuple[Path, dict[str, Any]]:
    """A project of its own holding the SHARED_RUNS (copied, ~50 ms, instead of trained again),
    and each run's ml_train result."""
    source, results = trained_template
    return copy_workspace(source, tmp_path / "project"), results


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One real Dask cluster per test process: `dask scheduler` and two `dask worker
    --memory-limit 1GiB` processes on 127.0.0.1, killed at the end (`cluster_support`)."""
    from tests.cluster_support import dask_processes

    with dask_processes(tmp_path_factory.mktemp("dask")) as cluster:
        yield cluster


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup` (make check, make test) keeps each `xdist_group` on one worker: xdist's
    own grouping is lost under pytest 9 (tests/xdist_groups.py says why)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from tests.xdist_groups import GroupScheduling

    return GroupScheduling(config, log)


SLOW_TIER = Path(__file__).parent / "slow_tier.txt"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tests listed in slow_tier.txt (measured at 4 s or more by scripts/slow_tier.py) are
    `slow`: `make check` leaves them to `make test`, which runs every test."""
    listed = {
        line.split("#", 1)[0].strip()
        for line in SLOW_TIER.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for item in items:
        if item.nodeid in listed:
            item.add_marker(pytest.mark.slow)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Every next_step the run's clients saw names calls the tools accept as written (unknown
    tool, unknown or missing argument, refused value): otherwise the run fails."""
    if hasattr(session.config, "workerinput") or not os.environ.get(next_step_calls.RECORD):
        return
    record = Path(os.environ[next_step_calls.RECORD])
    steps = next_step_calls.recorded(record)
    shutil.rmtree(record.parent, ignore_errors=True)
    if not steps:
        return
    schemas = next_step_calls.tool_schemas()
    found = [problem for step in steps for problem in next_step_calls.problems(step, schemas)]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_line(f"next_step calls checked: {len(steps)}; refused: {len(found)}")
        for problem in found:
            reporter.write_line(f"  {problem}", red=True)
    if found:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
