"""Python literals laid out the way `ruff format` leaves them (at 88 and at 120 columns), for the
generated tests and pipeline: the data's values, rendered through `pyrepr`, never as code."""

from __future__ import annotations

from typing import Any


def packed(items: list[Any], pairs: bool, width: int = 116) -> list[dict[str, Any]]:
    """Literal items, one per row as `ruff format` lays out a collection that does not fit a line
    (the template renders each with `pyrepr`); a row longer than a line is flagged so the template
    adds `# noqa: E501` to it."""
    from mcp_server.render import pyrepr

    def size(item: Any) -> int:
        return len(pyrepr(item[0])) + len(pyrepr(item[1])) + 3 if pairs else len(pyrepr(item)) + 1

    return [{"cells": [item], "long": size(item) + 4 > width} for item in items]


def dict_statement(prefix: str, pairs: list[tuple[Any, Any]]) -> str:
    """`prefix` + a dict literal that `ruff format` leaves as it is at 88 and at 120 columns: one
    line if it fits 88; for a wide table, rows of pairs joined by `|` (each row a short line, so
    the 300-line budget holds); else one pair per line with a trailing comma."""
    from mcp_server.render import pyrepr

    items = [f"{pyrepr(k)}: {pyrepr(v)}" for k, v in pairs]
    one = prefix + "{" + ", ".join(items) + "}"
    if len(one) <= 88:
        return one
    rows: list[list[str]] = [[]]
    for item in items:
        if rows[-1] and len(", ".join([*rows[-1], item])) + 8 > 88:
            rows.append([])
        rows[-1].append(item)
    texts = ["{" + ", ".join(row) + "}" for row in rows]
    if len(one) > 120 and len(texts) >= 3 and all(len(text) + 6 <= 88 for text in texts):
        body = "\n".join(f"    {'| ' if i else ''}{text}" for i, text in enumerate(texts))
        return f"{prefix}(\n{body}\n)"
    lines = [f"    {item},{'  # noqa: E501' if len(item) + 5 > 120 else ''}" for item in items]
    return prefix + "{\n" + "\n".join(lines) + "\n}"


def list_statement(prefix: str, values: list[Any]) -> str:
    """`prefix` + a list literal: one line if it fits 88 columns, else one value per line."""
    from mcp_server.render import pyrepr

    one = prefix + "[" + ", ".join(map(pyrepr, values)) + "]"
    if len(one) <= 88:
        return one
    lines = [f"    {pyrepr(v)},{'  # noqa: E501' if len(pyrepr(v)) + 5 > 120 else ''}" for v in values]
    return prefix + "[\n" + "\n".join(lines) + "\n]"
