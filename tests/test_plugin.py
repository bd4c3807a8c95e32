"""The repository is a Claude Code plugin and a one-plugin marketplace; its manifests follow the
documented schema.

The schemas below are written from Claude Code's plugin and marketplace references
(code.claude.com/docs/en/plugins-reference, .../plugins/marketplace-reference): kebab-case
names, component paths relative to the plugin root starting with `./`, `owner.name` and each
entry's `name` + `source` required, reserved marketplace names refused. Where Claude Code's own
validator is installed (`make claude-cli`), `claude plugin validate` must pass as well.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
import yaml
from jsonschema import Draft7Validator

from tests.support import ROOT

PLUGIN = json.loads((ROOT / ".claude-plugin/plugin.json").read_text(encoding="utf-8"))
MARKET = json.loads((ROOT / ".claude-plugin/marketplace.json").read_text(encoding="utf-8"))
KEBAB = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
SEMVER = r"^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$"
REL = {"type": "string", "pattern": r"^\./"}
PATHS = {"oneOf": [REL, {"type": "array", "items": REL, "minItems": 1}]}
SERVER = {
    "type": "object",
    "properties": {
        "type": {"enum": ["stdio", "http", "sse"]},
        "command": {"type": "string", "minLength": 1},
        "args": {"type": "array", "items": {"type": "string"}},
        "env": {"type": "object"},
        "url": {"type": "string"},
    },
    "anyOf": [{"required": ["command"]}, {"required": ["url"]}],
}
PLUGIN_SCHEMA = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "pattern": KEBAB},
        "version": {"type": "string", "pattern": SEMVER},
        "description": {"type": "string", "minLength": 1},
        "author": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}},
        },
        "license": {"type": "string"},
        "keywords": {"type": "array", "items": {"type": "string"}},
        "homepage": {"type": "string"},
        "repository": {"type": "string"},
        "skills": PATHS,
        "commands": PATHS,
        "agents": PATHS,
        "hooks": PATHS,
        "mcpServers": {"oneOf": [REL, {"type": "object", "additionalProperties": SERVER}]},
    },
    "additionalProperties": False,
}
RESERVED = {
    "claude-code-marketplace",
    "claude-code-plugins",
    "claude-plugins-official",
    "anthropic-marketplace",
    "anthropic-plugins",
    "agent-skills",
    "anthropic-agent-skills",
    "life-sciences",
}
MARKET_SCHEMA = {
    "type": "object",
    "required": ["name", "owner", "plugins"],
    "properties": {
        "name": {"type": "string", "pattern": KEBAB, "not": {"enum": sorted(RESERVED)}},
        "owner": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string", "minLength": 1}},
        },
        "description": {"type": "string"},
        "plugins": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "source"],
                "properties": {
                    "name": {"type": "string", "pattern": KEBAB},
                    "source": {"oneOf": [REL, {"type": "object", "required": ["source"]}]},
                    "version": {"type": "string", "pattern": SEMVER},
                },
            },
        },
    },
}


def _errors(schema: dict, data: dict) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in Draft7Validator(schema).iter_errors(data)
    ]


def _paths(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def test_the_manifests_follow_the_documented_schema():
    assert _errors(PLUGIN_SCHEMA, PLUGIN) == []
    assert _errors(MARKET_SCHEMA, MARKET) == []
    assert _errors(MARKET_SCHEMA, {**MARKET, "name": "claude-plugins-official"}), (
        "the schema check can fail"
    )


def test_the_marketplace_lists_this_plugin_and_every_component_path_exists():
    (entry,) = MARKET["plugins"]
    assert entry["name"] == PLUGIN["name"] == "moai-ml" and entry["version"] == PLUGIN["version"]
    plugin_root = (ROOT / entry["source"]).resolve()
    assert (plugin_root / ".claude-plugin/plugin.json").is_file()
    for key in ("skills", "commands"):
        for rel in _paths(PLUGIN[key]):
            assert (plugin_root / rel).exists(), rel
    skill = (plugin_root / "skills/moai-domain-ml/SKILL.md").read_text(encoding="utf-8")
    front = yaml.safe_load(skill.split("---")[1])
    assert front["name"] == "moai-domain-ml" and len(front["description"]) <= 1024


def test_the_run_command_is_a_slash_command_that_takes_the_spec_and_runs_profile_cycle_report():
    text = (ROOT / "commands/run.md").read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---")[1])
    assert front["description"] and "SPEC" in front["argument-hint"]
    body = text.split("---", 2)[2]
    assert "$ARGUMENTS" in body
    order = [
        body.index(name)
        for name in ("ml_profile_data", "ml_tdd_cycle", "ml_job_status", "next_step")
    ]
    assert order == sorted(order), (
        "profile, then the cycle as a job, then the report and the next step"
    )


def test_the_plugins_mcp_server_starts_from_the_users_project_and_answers(project: Path):
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    server = PLUGIN["mcpServers"]["moai-ml"]
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "CLAUDE_PLUGIN_ROOT": str(ROOT)}

    async def main() -> set[str]:
        params = StdioServerParameters(
            command=server["command"], args=server["args"], cwd=str(project), env=env
        )
        async with Client(params) as client:
            return {t.name for t in (await client.list_tools()).tools}

    assert {"ml_tdd_cycle", "ml_job_status"} <= anyio.run(main)


def _claude_cli() -> str | None:
    local = ROOT / ".venv/claude-cli/node_modules/.bin/claude"
    return os.environ.get("CLAUDE_CLI") or (
        str(local) if local.exists() else shutil.which("claude")
    )


@pytest.mark.external  # Claude Code's CLI (Node)
@pytest.mark.skipif(_claude_cli() is None, reason="Claude Code CLI not installed (make claude-cli)")
def test_claude_codes_own_validator_accepts_the_plugin_and_the_marketplace():
    done = subprocess.run(
        [str(_claude_cli()), "plugin", "validate", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0 and "Validation passed" in out, out[-3000:]
    assert re.search(r"commands: moai-ml:run", out) and re.search(
        r"skills: moai-ml:moai-domain-ml", out
    )
