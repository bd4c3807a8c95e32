"""A workspace is data: no process of the product imports a module from it (issue 23, high 1).

A cloned repository may ship `anyio.py`, `matplotlib.py` or `multiprocessing.py` at its root.
Each planted module here writes a marker (its name, the process's command line) into a canary
folder outside the workspace, then hands over to the real module so nothing visibly breaks, as
an attacker's would. The server is started from the workspace the ways `.mcp.json` and the
plugin start it, jobs run inline and in the background, and the canary must stay empty.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from tests.support import copy_examples, structured

pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("workspace_is_data")]

# Modules the server, the job runner, the forkserver (its `-c` command and its preload) and a
# training job import by name: each one would run from the workspace if it were on sys.path.
PLANTED = ["anyio", "argparse", "matplotlib", "multiprocessing", "numpy", "sklearn", "mlflow"]

PAYLOAD = """
import os as _os
import sys as _sys

_marker = _os.path.join({canary!r}, __name__ + "-" + str(_os.getpid()))
with open(_marker, "w", encoding="utf-8") as _handle:
    _handle.write(" ".join(_sys.argv) + "\\n" + " ".join(sorted(_os.environ)))
_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here]
del _sys.modules[__name__]
import importlib as _importlib

_sys.modules[__name__] = _importlib.import_module(__name__)
"""

TRAIN = {"data_path": "data/diabetes.csv", "target": "progression", "model": "ridge"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def plant(project: Path, canary: Path) -> None:
    canary.mkdir(exist_ok=True)
    for name in PLANTED:
        (project / f"{name}.py").write_text(PAYLOAD.format(canary=str(canary)), encoding="utf-8")


def imported(canary: Path) -> list[str]:
    return sorted(
        f"{p.name}: {p.read_text(encoding='utf-8').splitlines()[0][:160]}" for p in canary.iterdir()
    )


def started_as(how: str, project: Path, cwd: Path) -> StdioServerParameters:
    """The server as `.mcp.json` starts it (`python -m mcp_server`, or the console script)."""
    bin_dir = Path(sys.executable).parent
    command, args = {
        "python -m": (sys.executable, ["-m", "mcp_server"]),
        "console script": (str(bin_dir / "moai-ml"), ["mcp"]),
    }[how]
    return StdioServerParameters(
        command=command,
        args=[*args, "--workspace", str(project)],
        cwd=str(cwd),
        env={"PYTHONUNBUFFERED": "1", "PATH": os.environ.get("PATH", "")},
    )


async def wait_done(client: Client, job_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        status = structured(
            await client.call_tool("ml_job_status", {"job_id": job_id, "wait_s": 20})
        )
        if status["state"] in ("done", "failed", "cancelled"):
            return status
    raise TimeoutError(f"job {job_id} did not finish in 300 s")


@pytest.mark.parametrize("how", ["python -m", "console script"])
async def test_a_workspace_module_is_never_imported_by_the_server_or_an_inline_job(
    tmp_path: Path, how: str
) -> None:
    project = copy_examples(tmp_path / "project")
    canary = tmp_path / "canary"
    plant(project, canary)
    async with Client(started_as(how, project, cwd=project), read_timeout_seconds=600) as client:
        trained = structured(await client.call_tool("ml_train", TRAIN))
    assert trained["run_id"]
    assert imported(canary) == []


async def test_a_workspace_module_is_never_imported_by_a_background_job_or_its_forkserver(
    tmp_path: Path,
) -> None:
    project = copy_examples(tmp_path / "project")
    canary = tmp_path / "canary"
    plant(project, canary)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    params = started_as("console script", project, cwd=elsewhere)
    async with Client(params, read_timeout_seconds=600) as client:
        ticket = structured(await client.call_tool("ml_train", {**TRAIN, "background": True}))
        status = await wait_done(client, str(ticket["job_id"]))
    assert status["state"] == "done", status
    assert imported(canary) == []
