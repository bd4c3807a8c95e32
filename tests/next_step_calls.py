"""The calls a `next_step` names, parsed as written and checked against the server's own tool
list: every `next_step` the suite's clients see is recorded (`record`, from
`tests.support.structured`), and at the end of the run the recorded ones are checked (conftest's
`pytest_sessionfinish`): an unknown tool, an unknown argument, a missing one or a value its
schema refuses fails the run."""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path
from typing import Any

CALL = re.compile(r"\b(ml_[a-z_]+)\(")
JSON_NAMES = {"true": True, "false": False, "null": None}
RECORD = "MOAI_TEST_NEXT_STEPS"  # the file the run's next_steps go to (set by conftest)


def record(answer: dict[str, Any]) -> None:
    """Append the answer's next_step (if any) to the run's record, one JSON line each."""
    target, step = os.environ.get(RECORD), answer.get("next_step")
    if target and isinstance(step, str) and CALL.search(step):
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps(step) + "\n")


def recorded(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return sorted({json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()})


def calls(step: str) -> list[tuple[str, dict[str, Any]]]:
    """Every `ml_x(...)` call of a next_step, its arguments as the literals written there."""
    found = []
    for match in CALL.finditer(step):
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(step)):
            depth += {"(": 1, ")": -1}.get(step[end], 0)
            if depth == 0:
                break
        node = ast.parse(step[match.start() : end + 1], mode="eval").body
        if not isinstance(node, ast.Call) or node.args:
            raise ValueError(f"{step!r}: a call takes keyword arguments only")
        found.append((match.group(1), {k.arg: _value(k.value) for k in node.keywords if k.arg}))
    return found


def first_call(step: str) -> tuple[str, dict[str, Any]]:
    listed = calls(step)
    assert listed, f"no call in {step!r}"
    return listed[0]


def _value(node: ast.expr) -> Any:
    """A literal as written; `true`, `false` and `null` as JSON spells them."""
    if isinstance(node, ast.Name) and node.id in JSON_NAMES:
        return JSON_NAMES[node.id]
    return ast.literal_eval(node)


def problems(step: str, schemas: dict[str, dict[str, Any]]) -> list[str]:
    """Why a next_step's calls would be refused for their arguments; empty when none would."""
    import jsonschema

    try:
        listed = calls(step)
    except (SyntaxError, ValueError) as exc:
        return [f"{step!r}: not a call as written ({exc})"]
    found = []
    for tool, arguments in listed:
        if tool not in schemas:
            found.append(f"{step!r}: no tool {tool}")
            continue
        error = jsonschema.exceptions.best_match(
            jsonschema.Draft202012Validator(schemas[tool]).iter_errors(arguments)
        )
        if error is not None:
            found.append(f"{step!r}: {tool} refuses {arguments}: {error.message}")
    return found


def tool_schemas() -> dict[str, dict[str, Any]]:
    """Each tool's input schema, as the server lists it (unknown arguments refused)."""
    import anyio

    from mcp_server.entry.server import build_server

    async def listed() -> list[Any]:
        return list(await build_server(Path.cwd()).list_tools())

    return {t.name: {**t.input_schema, "additionalProperties": False} for t in anyio.run(listed)}
