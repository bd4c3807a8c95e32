"""One contract over every registered tool: a tool added later without it fails here."""

from __future__ import annotations

from typing import Any

import pytest

from mcp_server.entry.server import build_server

TOOLS = [t for t in __import__("anyio").run(build_server().list_tools)]
HINTS = ("read_only_hint", "destructive_hint", "idempotent_hint", "open_world_hint")


def _branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null alternatives of a property (Optional[...] becomes anyOf with null)."""
    options = schema.get("anyOf", [schema])
    return [o for o in options if o.get("type") != "null"]


def _constrained(prop: dict[str, Any]) -> bool:
    for branch in _branches(prop):
        kind = branch.get("type")
        if "enum" in branch or "const" in branch or "$ref" in branch or kind == "boolean":
            continue
        if kind == "string" and not ({"maxLength", "pattern", "format"} & branch.keys()):
            return False
        if kind in ("integer", "number") and not (
            {"minimum", "maximum", "exclusiveMinimum"} & branch.keys()
        ):
            return False
        if kind == "array" and "maxItems" not in branch:
            return False
    return True


def test_the_server_registers_tools():
    assert TOOLS, "no tools registered"


@pytest.mark.parametrize("tool", TOOLS, ids=lambda t: t.name)
def test_every_tool_follows_the_contract(tool):
    assert tool.name.startswith("ml_"), "tool names are ml_<verb>"
    assert tool.description and len(tool.description) >= 120, "a docstring an agent can act on"
    assert tool.title, "a human title"
    props = tool.input_schema.get("properties", {})
    for name, prop in props.items():
        assert prop.get("description"), f"input {name!r} has no description"
        assert _constrained(prop), f"input {name!r} has no real constraint (bounds, length, enum)"
    assert tool.output_schema and tool.output_schema.get("properties"), "a pydantic output model"
    for name, prop in tool.output_schema["properties"].items():
        assert prop.get("description"), f"output field {name!r} has no description"
    assert tool.annotations is not None
    for hint in HINTS:
        assert getattr(tool.annotations, hint) is not None, f"annotation {hint} is not set"
    if tool.annotations.read_only_hint:
        assert not tool.annotations.destructive_hint
