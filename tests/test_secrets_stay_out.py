"""Repository code never sees the product's secrets, nor starts the server (issue 23, medium 7).

The generated project's tests are the one workspace code the product runs on purpose (pytest in
`ml_tdd_*`); a root `conftest.py` runs with them, so their environment carries no signing key and
no token. The plugin's launcher starts the installed `moai-ml`, never one the repository ships.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from tests.support import ROOT, copy_examples, structured
from tests.train_support import client_with_env

SECRETS = {"MOAI_ML_SIGNING_KEY": "k" * 48, "MOAI_ML_TOKEN": "t" * 40}
SPY = """
import json
import os

with open({path!r}, "w", encoding="utf-8") as handle:
    json.dump(dict(os.environ), handle)
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_a_repository_conftest_run_by_ml_tdd_red_never_sees_the_product_secrets(
    tmp_path: Path,
) -> None:
    project = copy_examples(tmp_path / "project")
    seen = tmp_path / "seen.json"
    (project / "conftest.py").write_text(SPY.format(path=str(seen)), encoding="utf-8")
    async with client_with_env(project, **SECRETS) as client:
        red = structured(await client.call_tool("ml_tdd_red", {"spec_path": "ML-001"}))
    assert red["red_confirmed"]
    environment = json.loads(seen.read_text(encoding="utf-8"))
    leaked = sorted(k for k, v in environment.items() if k in SECRETS or v in SECRETS.values())
    assert leaked == [], f"the repository's conftest.py read {leaked}"


def test_the_plugin_launcher_never_runs_a_moai_ml_the_repository_ships(tmp_path: Path) -> None:
    project = copy_examples(tmp_path / "project")
    marker = tmp_path / "shipped-moai-ml-ran"
    shipped = project / ".venv/bin/moai-ml"
    shipped.parent.mkdir(parents=True)
    shipped.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n", encoding="utf-8")
    shipped.chmod(0o755)
    only_python = tmp_path / "bin"
    only_python.mkdir()
    python3 = only_python / "python3"  # the installed interpreter (a venv's, found by its path)
    python3.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n', encoding="utf-8")
    python3.chmod(0o755)
    plugin = json.loads((ROOT / ".claude-plugin/plugin.json").read_text(encoding="utf-8"))
    server = plugin["mcpServers"]["moai-ml"]
    env = {"PATH": f"{only_python}:/usr/bin:/bin", "CLAUDE_PLUGIN_ROOT": str(ROOT)}

    async def tools() -> set[str]:
        params = StdioServerParameters(
            command=server["command"], args=server["args"], cwd=str(project), env=env
        )
        async with Client(params) as client:
            return {t.name for t in (await client.list_tools()).tools}

    assert "ml_tdd_red" in anyio.run(tools)
    assert not marker.exists(), "the launcher ran the repository's .venv/bin/moai-ml"


def test_a_background_jobs_storage_password_never_reaches_the_disk(tmp_path: Path) -> None:
    """Hardening 10: request.json shows `***`; the runner gets the real URL on its stdin."""
    import subprocess

    from mcp_server.files.workspace import Workspace
    from mcp_server.processes.background import JobStore

    url = "postgresql://moai:s3cret-pw@127.0.0.1:5432/optuna"
    store = JobStore(Workspace(copy_examples(tmp_path / "project")))
    state = store.create("ml_tune", {"storage": url, "study_name": "s", "seed": 1})
    written = (store.folder(state.job_id) / "request.json").read_text(encoding="utf-8")
    assert "s3cret-pw" not in written
    assert store.request(state.job_id)["arguments"]["storage"] == (
        "postgresql://moai:***@127.0.0.1:5432/optuna"
    )
    handed = store._secrets[state.job_id]
    assert handed == {"storage": url}
    code = "from mcp_server.entry.runner import _secret_arguments; print(_secret_arguments())"
    got = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(handed),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert got.stdout.strip() == repr({"storage": url})
