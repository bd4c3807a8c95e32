"""`moai-ml install` puts the skill and the server entry into a project, idempotently."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT


def _install(project: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "moai-ml"
    return subprocess.run(
        [str(script), "install", "--project", str(project), *extra],
        capture_output=True,
        text=True,
        check=True,
    )


def test_install_copies_the_skill_and_merges_the_server_without_touching_others(tmp_path: Path):
    other = {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"]}
    (tmp_path / ".mcp.json").write_text(json.dumps({"mcpServers": {"memory": other}, "extra": 1}))
    _install(tmp_path)
    skill = tmp_path / ".claude/skills/moai-domain-ml/SKILL.md"
    assert skill.read_text() == (ROOT / "skills/moai-domain-ml/SKILL.md").read_text()
    config = json.loads((tmp_path / ".mcp.json").read_text())
    assert config["mcpServers"]["memory"] == other and config["extra"] == 1
    entry = config["mcpServers"]["moai-ml"]
    assert entry["command"] == "sh" and sys.prefix not in json.dumps(entry), (
        "portable: no venv path to commit"
    )
    assert not (tmp_path / ".claude/commands").exists(), "the command file only when asked"


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
        [str(script), "install", "--project", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "not valid JSON" in done.stderr
    assert (tmp_path / ".mcp.json").read_text() == "{not json"


def _tools_via(entry: dict, project: Path, path: str) -> set[str]:
    import anyio
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    async def main() -> set[str]:
        params = StdioServerParameters(
            command=entry["command"], args=entry["args"], cwd=str(project), env={"PATH": path}
        )
        async with Client(params) as client:
            return {t.name for t in (await client.list_tools()).tools}

    return anyio.run(main)


def test_the_portable_entry_finds_the_server_on_path_or_in_the_project_venv(tmp_path: Path):
    _install(tmp_path)
    entry = json.loads((tmp_path / ".mcp.json").read_text())["mcpServers"]["moai-ml"]
    venv_bin = str(Path(sys.executable).parent)
    assert "ml_profile_data" in _tools_via(entry, tmp_path, f"{venv_bin}:/usr/bin:/bin")
    (tmp_path / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    assert "ml_job_status" in _tools_via(entry, tmp_path, "/usr/bin:/bin"), (
        "no moai-ml on PATH: the project's venv"
    )


def test_install_pins_an_interpreter_or_writes_the_run_command_when_asked(tmp_path: Path):
    _install(tmp_path, "--python", sys.executable, "--command-file")
    entry = json.loads((tmp_path / ".mcp.json").read_text())["mcpServers"]["moai-ml"]
    assert entry == {
        "type": "stdio",
        "command": sys.executable,
        "args": ["-P", "-m", "mcp_server", "--workspace", "."],
    }
    command = (tmp_path / ".claude/commands/moai-ml-run.md").read_text()
    assert command == (ROOT / "commands/run.md").read_text() and "$ARGUMENTS" in command
    assert "ml_profile_data" in _tools_via(entry, tmp_path, "/usr/bin:/bin")
