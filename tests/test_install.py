"""`moai-ml install` puts the skill and the server entry into a project, idempotently."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT


def _install(project: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "moai-ml"
    return subprocess.run(
        [str(script), "install", "--project", str(project)], capture_output=True, text=True, check=True
    )


def test_install_copies_the_skill_and_merges_the_server_without_touching_others(tmp_path: Path):
    other = {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"]}
    (tmp_path / ".mcp.json").write_text(json.dumps({"mcpServers": {"memory": other}, "extra": 1}))
    _install(tmp_path)
    skill = tmp_path / ".claude/skills/moai-domain-ml/SKILL.md"
    assert skill.read_text() == (ROOT / "SKILL.md").read_text()
    config = json.loads((tmp_path / ".mcp.json").read_text())
    assert config["mcpServers"]["memory"] == other and config["extra"] == 1
    entry = config["mcpServers"]["moai-ml"]
    assert entry["args"] == ["-m", "mcp_server", "--workspace", "."]
    assert Path(entry["command"]).exists()


def test_installing_twice_changes_nothing(tmp_path: Path):
    _install(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    second = _install(tmp_path)
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert before == after
    assert "wrote" not in second.stdout and second.stdout.count("unchanged") == 2


def test_install_refuses_a_broken_mcp_json_and_leaves_it_as_it_was(tmp_path: Path):
    (tmp_path / ".mcp.json").write_text("{not json")
    script = Path(sys.executable).parent / "moai-ml"
    done = subprocess.run(
        [str(script), "install", "--project", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2 and "not valid JSON" in done.stderr
    assert (tmp_path / ".mcp.json").read_text() == "{not json"


def test_the_installed_entry_starts_a_server_that_answers(tmp_path: Path):
    import anyio
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    _install(tmp_path)
    entry = json.loads((tmp_path / ".mcp.json").read_text())["mcpServers"]["moai-ml"]

    async def main() -> set[str]:
        params = StdioServerParameters(command=entry["command"], args=entry["args"], cwd=str(tmp_path))
        async with Client(params) as client:
            return {t.name for t in (await client.list_tools()).tools}

    assert "ml_profile_data" in anyio.run(main)
