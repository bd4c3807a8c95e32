"""`moai-ml install`: put the skill and the server entry into a Claude Code project."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mcp_server.errors import MoaiMlError
from mcp_server.workspace import atomic_write

SERVER_NAME = "moai-ml"
SKILL_DIR = Path(".claude/skills/moai-domain-ml")


def skill_source() -> Path:
    """SKILL.md ships in the wheel as `mcp_server/SKILL.md`; in a checkout it is at the root."""
    packaged = Path(__file__).parent / "SKILL.md"
    return packaged if packaged.is_file() else Path(__file__).resolve().parent.parent / "SKILL.md"


def server_entry(command: str | None = None) -> dict[str, object]:
    """How Claude Code starts the server: this interpreter, so the project needs no PATH set-up."""
    return {
        "type": "stdio",
        "command": command or sys.executable,
        "args": ["-m", "mcp_server", "--workspace", "."],
    }


@dataclass
class InstallReport:
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def install(project: Path, command: str | None = None) -> InstallReport:
    """Copy SKILL.md and merge our entry into `.mcp.json`; idempotent, other servers untouched."""
    project = project.resolve()
    if not project.is_dir():
        raise MoaiMlError(f"project directory {str(project)!r} does not exist")
    report = InstallReport()
    skill_target = project / SKILL_DIR / "SKILL.md"
    skill_bytes = skill_source().read_bytes()
    _write_if_changed(skill_target, skill_bytes, report, project)
    mcp_json = project / ".mcp.json"
    config: dict[str, object] = {}
    if mcp_json.exists():
        try:
            config = json.loads(mcp_json.read_text(encoding="utf-8") or "{}")
        except ValueError as exc:
            raise MoaiMlError(f"{mcp_json} is not valid JSON ({exc}); fix it and run install again") from exc
        if not isinstance(config, dict):
            raise MoaiMlError(f"{mcp_json} must hold a JSON object")
    servers = config.setdefault("mcpServers", {})
    if not isinstance(servers, dict):
        raise MoaiMlError(f"'mcpServers' in {mcp_json} must be an object")
    servers[SERVER_NAME] = server_entry(command)
    text = json.dumps(config, indent=2) + "\n"
    _write_if_changed(mcp_json, text.encode("utf-8"), report, project)
    return report


def _write_if_changed(path: Path, data: bytes, report: InstallReport, project: Path) -> None:
    rel = path.relative_to(project).as_posix()
    if path.exists() and path.read_bytes() == data:
        report.unchanged.append(rel)
        return
    atomic_write(path, data)
    report.changed.append(rel)
