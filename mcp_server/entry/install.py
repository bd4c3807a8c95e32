"""`moai-ml install`: put the skill, the server entry and (optionally) the run command into a
project.

The `.mcp.json` entry is portable, so a team can commit it: it names no venv path but finds the
server when Claude Code starts it — the `moai-ml` console script on PATH, else the project's own
`.venv/bin/moai-ml`, else `python3 -m mcp_server`. `--python` pins one interpreter instead.
Projects that use Claude Code plugins need none of this: the repository is a plugin
(`.claude-plugin/plugin.json`) with the skill, the server and `/moai-ml:run`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from mcp_server.core.errors import MoaiMlError
from mcp_server.core.package import CHECKOUT_DIR, PACKAGE_DIR
from mcp_server.files.workspace import atomic_write

SERVER_NAME = "moai-ml"
SKILL_DIR = Path(".claude/skills/moai-domain-ml")
COMMAND_FILE = Path(".claude/commands/moai-ml-run.md")  # `/moai-ml-run ML-001` without the plugin
LAUNCHER = (
    "if command -v moai-ml >/dev/null 2>&1; then exec moai-ml mcp --workspace .; "
    "elif [ -x .venv/bin/moai-ml ]; then exec .venv/bin/moai-ml mcp --workspace .; "
    "else PYTHONSAFEPATH=1 exec python3 -m mcp_server --workspace .; fi"
)


def _shipped(packaged: str, checkout: str) -> Path:
    """A file the wheel ships inside `mcp_server/` and a checkout keeps elsewhere."""
    inside = PACKAGE_DIR / packaged
    return inside if inside.is_file() else CHECKOUT_DIR / checkout


def skill_source() -> Path:
    return _shipped("SKILL.md", "skills/moai-domain-ml/SKILL.md")


def command_source() -> Path:
    return _shipped("commands/run.md", "commands/run.md")


def server_entry(python: str | None = None) -> dict[str, object]:
    """How Claude Code starts the server: resolved when it starts (portable), or a pinned
    interpreter."""
    if python:
        return {
            "type": "stdio",
            "command": python,
            "args": ["-P", "-m", "mcp_server", "--workspace", "."],
        }
    return {"type": "stdio", "command": "sh", "args": ["-c", LAUNCHER]}


@dataclass
class InstallReport:
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def install(
    project: Path, python: str | None = None, *, command_file: bool = False
) -> InstallReport:
    """Copy SKILL.md, merge our entry into `.mcp.json`, optionally add the run command;
    idempotent."""
    project = project.resolve()
    if not project.is_dir():
        raise MoaiMlError(
            f"project directory {str(project)!r} does not exist; "
            "give an existing folder: moai-ml install --project <folder>"
        )
    report = InstallReport()
    _write_if_changed(
        project / SKILL_DIR / "SKILL.md", skill_source().read_bytes(), report, project
    )
    if command_file:
        _write_if_changed(project / COMMAND_FILE, command_source().read_bytes(), report, project)
    mcp_json = project / ".mcp.json"
    config = _read_config(mcp_json)
    servers = config.setdefault("mcpServers", {})
    if not isinstance(servers, dict):
        raise MoaiMlError(
            f"'mcpServers' in {mcp_json} must be a JSON object; make it one (e.g. {{}}) "
            "and run moai-ml install again"
        )
    servers[SERVER_NAME] = server_entry(python)
    text = json.dumps(config, indent=2) + "\n"
    _write_if_changed(mcp_json, text.encode("utf-8"), report, project)
    return report


def _read_config(mcp_json: Path) -> dict[str, object]:
    if not mcp_json.exists():
        return {}
    try:
        config = json.loads(mcp_json.read_text(encoding="utf-8") or "{}")
    except ValueError as exc:
        raise MoaiMlError(
            f"{mcp_json} is not valid JSON ({exc}); fix it and run moai-ml install again"
        ) from exc
    if not isinstance(config, dict):
        raise MoaiMlError(
            f"{mcp_json} must hold a JSON object; make it one (e.g. {{}}) "
            "and run moai-ml install again"
        )
    return config


def _write_if_changed(path: Path, data: bytes, report: InstallReport, project: Path) -> None:
    rel = path.relative_to(project).as_posix()
    # a committed symlink must not redirect the write
    if project not in Path(os.path.realpath(path)).parents:
        raise MoaiMlError(
            f"{rel} is a symlink leading out of the project; remove it "
            "and run moai-ml install again"
        )
    if path.exists() and path.read_bytes() == data:
        report.unchanged.append(rel)
        return
    atomic_write(path, data)
    report.changed.append(rel)
