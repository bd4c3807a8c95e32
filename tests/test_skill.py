"""SKILL.md: valid under the Agent Skills spec and in step with the server's real tools."""

from __future__ import annotations

import re

import anyio
import yaml

from mcp_server.entry.install import SERVER_NAME
from mcp_server.entry.server import build_server
from tests.support import ROOT

SKILL = (ROOT / "skills/moai-domain-ml/SKILL.md").read_text(encoding="utf-8")
ALLOWED_KEYS = {"name", "description", "license", "allowed-tools", "metadata", "compatibility"}
SEED_TRIGGERS = (
    "Machine learning model development",
    "model training",
    "model deployment",
    "MLOps",
    "/alfred:2-run",
)
SEED_SECTIONS = (
    "## What it does",
    "## When to use",
    "## How it works",
    "## Examples",
    "## Works well with",
)


def _split() -> tuple[dict[str, object], str]:
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", SKILL, re.S)
    assert match, "SKILL.md must start with YAML frontmatter between --- lines"
    front = yaml.safe_load(match.group(1))
    assert isinstance(front, dict)
    return front, match.group(2)


def _server_tools() -> set[str]:
    return {t.name for t in anyio.run(build_server().list_tools)}


def test_the_frontmatter_uses_only_keys_of_the_agent_skills_spec():
    front, _ = _split()
    assert set(front) <= ALLOWED_KEYS, set(front) - ALLOWED_KEYS
    assert front["name"] == "moai-domain-ml"
    assert (
        re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", str(front["name"]))
        and len(str(front["name"])) <= 64
    )
    metadata = front["metadata"]
    assert isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())


def test_the_description_says_what_and_when_with_the_seed_triggers():
    front, _ = _split()
    description = str(front["description"])
    assert 0 < len(description) <= 1024
    for trigger in SEED_TRIGGERS:
        assert trigger.lower() in description.lower(), trigger


def test_allowed_tools_names_read_bash_and_every_server_tool_as_claude_code_does():
    front, _ = _split()
    allowed = str(front["allowed-tools"]).split()
    assert {"Read", "Bash"} <= set(allowed)
    mcp_tools = {a.removeprefix(f"mcp__{SERVER_NAME}__") for a in allowed if a.startswith("mcp__")}
    assert all(a.startswith(f"mcp__{SERVER_NAME}__") for a in allowed if a.startswith("mcp__"))
    assert mcp_tools == _server_tools()


def test_every_tool_named_in_the_body_exists_and_every_tool_is_named():
    _, body = _split()
    named = set(re.findall(r"\bml_[a-z_]+[a-z]\b", body))
    assert named == _server_tools(), {
        "missing on server": named - _server_tools(),
        "not in SKILL.md": _server_tools() - named,
    }


def test_the_body_keeps_the_seed_cards_sections():
    _, body = _split()
    for section in SEED_SECTIONS:
        assert section in body, section


# What SKILL.md must never call missing: each capability, and words that name it.
CAPABILITIES = {
    "ml_tune": ("tuning", "optuna", "hyperparameter"),
    "ml_register_model": ("registry", "register"),
    "ml_detect_drift": ("drift",),
    "ml_monitor_performance": ("monitoring",),
    "ml_generate_serving": ("torchserve", "tf serving", "tensorflow serving", "fastapi"),
    "ml_model_card": ("model card",),
    "ml_scaffold_feast": ("feast", "feature store"),
    "ml_scaffold_dvc": ("dvc",),
}


def test_the_not_here_yet_list_names_nothing_the_tools_do():
    _, body = _split()
    absent = body.split("**Not here yet**", 1)[1].split("\n\n", 1)[0].lower()
    tools = _server_tools()
    claimed = [
        (tool, word) for tool, words in CAPABILITIES.items() for word in words if word in absent
    ]
    assert set(CAPABILITIES) <= tools
    assert claimed == []


def test_the_skill_walks_the_failure_path_to_the_owners_decision():
    _, body = _split()
    path = body.split("**When a gate is missed**", 1)[1].split("**Not here yet**", 1)[0]
    for step in ("ml_tdd_refactor", "ml_tune", "owner", "allow_failed_gates"):
        assert step in path, step
    assert "never lower a threshold" in path.lower()
