"""TDD projects cycled once per test run and shared by the tests that only read a finished cycle.

`cycled(spec_id)` copies examples/ and runs the SPEC's phases through the tools (the in-process
client) once for the whole run, under pytest-xdist too: the first worker to ask builds it under a
file lock in the run's shared temporary folder, the others wait and read what it wrote. A test
gets the project (read-only: a test that writes works on `Cycled.copy_to`) and every tool's
structured answer and progress messages, as the build saw them. A SPEC cycled a phase at a time
also keeps the project as GREEN left it (`Cycled.green_copy_to`: runs and all), for a test of
REFACTOR's own behaviour (a cancelled one). Tests of a phase's own behaviour (an unmet gate, a
rejected winner) keep cycles of their own.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest
from filelock import FileLock
from mcp import Client

from tests.support import copy_examples, copy_workspace, inprocess_client, structured

Answers = dict[str, Any]
GREEN = "green"  # beside a single-phase SPEC's project: the project as GREEN left it


def _on_progress(into: list[list[Any]]) -> Callable[..., Awaitable[None]]:
    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        into.append([done, total, message])

    return on_progress


async def _whole_cycle(client: Client, spec_id: str, project: Path) -> Answers:
    """`ml_tdd_cycle` inline with its progress, RED asked again, and the cycle's run evaluated."""
    progress: list[list[Any]] = []
    cycle = structured(
        await client.call_tool(
            "ml_tdd_cycle",
            {"spec_path": spec_id, "background": False},  # inline: its progress is seen
            progress_callback=_on_progress(progress),
        )
    )
    again = structured(await client.call_tool("ml_tdd_red", {"spec_path": spec_id}))
    evaluated = structured(await client.call_tool("ml_evaluate", {"run_id": cycle["run_id"]}))
    return {"cycle": cycle, "progress": progress, "red_again": again, "evaluated": evaluated}


async def _single_phases(client: Client, spec_id: str, project: Path) -> Answers:
    """`ml_tdd_red`, `ml_tdd_green` (with its progress) and `ml_tdd_refactor`, each inline; the
    project as GREEN left it copied to `green` beside it."""
    inline = {"spec_path": spec_id, "background": False}  # each step's own answer, not a job
    red = structured(await client.call_tool("ml_tdd_red", inline))
    progress: list[list[Any]] = []
    green = structured(
        await client.call_tool("ml_tdd_green", inline, progress_callback=_on_progress(progress))
    )
    copy_workspace(project, project.parent / GREEN)
    refactor = structured(await client.call_tool("ml_tdd_refactor", inline))
    return {"red": red, "green": green, "green_progress": progress, "refactor": refactor}


# How each shared SPEC is cycled: ML-001 through the cycle tool, the others a phase at a time.
CYCLES: dict[str, Callable[[Client, str, Path], Awaitable[Answers]]] = {
    "ML-001": _whole_cycle,
    "ML-002": _single_phases,
    "ML-003": _single_phases,
}


@dataclass(frozen=True)
class Cycled:
    spec_id: str
    project: Path  # shared by every test of the run: read it, never write into it
    answers: Answers

    def copy_to(self, dest: Path) -> Path:
        """A private copy of the cycled project, for a test that writes."""
        return Path(shutil.copytree(self.project, dest, symlinks=True))

    def green_copy_to(self, dest: Path) -> Path:
        """A private copy of the project as GREEN left it, its runs re-pointed to `dest` (a SPEC
        cycled a phase at a time: ML-002, ML-003)."""
        return copy_workspace(self.project.parent / GREEN, dest)


def _run_root(factory: pytest.TempPathFactory) -> Path:
    """The folder every process of this test run shares: a worker's base folder's parent under
    pytest-xdist, else the run's own base folder."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _build(spec_id: str, folder: Path) -> Answers:
    project = copy_examples(folder / "project")

    async def main() -> Answers:
        async with inprocess_client(project) as client:
            return await CYCLES[spec_id](client, spec_id, project)

    # In a thread of its own: an async test may ask for it while its own event loop runs.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, main).result()


@pytest.fixture(scope="session")
def cycled(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Cycled]:
    """`cycled(spec_id)`: the SPEC's project cycled once for the whole test run."""
    root = _run_root(tmp_path_factory) / "moai-cycled"
    root.mkdir(exist_ok=True)
    seen: dict[str, Cycled] = {}

    def get(spec_id: str) -> Cycled:
        if spec_id not in seen:
            folder = root / spec_id
            done = folder / "answers.json"
            with FileLock(str(root / f"{spec_id}.lock")):
                if not done.is_file():
                    shutil.rmtree(folder, ignore_errors=True)  # a build that failed half-way
                    folder.mkdir()
                    answers = _build(spec_id, folder)
                    done.write_text(json.dumps(answers), encoding="utf-8")
            answers = json.loads(done.read_text(encoding="utf-8"))
            seen[spec_id] = Cycled(spec_id, folder / "project", answers)
        return seen[spec_id]

    return get
