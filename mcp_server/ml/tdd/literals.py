"""Python literals laid out the way `ruff format` leaves them (at 88 and at 120 columns), for the
generated tests and pipeline: the data's values, rendered through `pyrepr`, never as code.

No generated line is longer than 120 columns (the project config's E501) and none carries a
`# noqa`: a string too long for its line becomes a parenthesized implicit concatenation, which
`ruff format` keeps as it is and no rule flags, where a `# noqa: E501` is reported unused (RUF100)
by every rule set without E501, ruff's defaults among them."""

from __future__ import annotations

from typing import Any

from mcp_server.files.escape import Code

WIDE = 120  # the project config's line length; ruff's default is 88


def element(value: Any, indent: int, tail: int = 1, start: int | None = None) -> str:
    """`pyrepr(value)` at column `start` (default: `indent`, the line's indentation) of a line
    that ends `tail` characters after it. A string that would make the line longer than 120
    columns comes in parentheses: on a line of its own if it fits one, else as pieces that fit 88
    columns, one per line; the layouts ruff format leaves as they are at 88 and at 120."""
    from mcp_server.files.escape import pyrepr

    text = pyrepr(value)
    if (
        not isinstance(value, str)
        or (indent if start is None else start) + len(text) + tail <= WIDE
    ):
        return text
    pad = " " * (indent + 4)
    if indent + 4 + len(text) <= WIDE:  # fits a line of its own: ruff keeps it in parentheses
        return f"(\n{pad}{text}\n{' ' * indent})"
    room = max(88 - indent - 4, 24)
    pieces = [""]
    for char in value:
        if pieces[-1] and len(pyrepr(pieces[-1] + char)) > room:
            head, space, rest = pieces[-1].rpartition(" ")  # break after a space if one is near
            pieces[-1:] = (
                [head + space, rest] if space and len(head) >= room // 2 else [pieces[-1], ""]
            )
        pieces[-1] += char
    return "(\n" + "".join(f"{pad}{pyrepr(piece)}\n" for piece in pieces) + " " * indent + ")"


def assignment(prefix: str, value: Any) -> Code:
    """`prefix` (`NAME = `) + the value as `element` lays it out at the top level. (A string of
    113 to 116 characters after escaping has no layout ruff keeps at both widths: at 88 it takes
    the parentheses off a lone string, at 120 it puts them on; this gives what 120 keeps.)"""
    return Code(prefix + element(value, 0, 0, len(prefix)))


def path_statement(prefix: str, root: str, rel: str) -> Code:
    """`prefix` + `root / "rel"`; past 88 columns `root.joinpath("rel",)`, whose trailing comma
    keeps ruff format from joining it at 120 (it would split `root / "rel"` at 88)."""
    from mcp_server.files.escape import pyrepr

    one = f"{prefix}{root} / {pyrepr(rel)}"
    return Code(one if len(one) <= 88 else f"{prefix}{root}.joinpath(\n    {element(rel, 4)},\n)")


def tuple_lines(rows: list[tuple[Any, ...]], indent: int = 4) -> list[Code]:
    """Tuples as items of a collection: one line each if it fits 88 columns, else one value per
    line with a trailing comma (what ruff format makes of it, at 88 and at 120)."""
    from mcp_server.files.escape import pyrepr

    pad, inner = " " * indent, " " * (indent + 4)
    out: list[Code] = []
    for row in rows:
        one = pyrepr(tuple(row))
        if indent + len(one) + 1 <= 88:
            out.append(Code(f"{pad}{one},"))
        else:
            values = "".join(f"{inner}{element(v, indent + 4)},\n" for v in row)
            out.append(Code(f"{pad}(\n{values}{pad}),"))
    return out


def dict_statement(prefix: str, pairs: list[tuple[Any, Any]]) -> Code:
    """`prefix` + a dict literal that `ruff format` leaves as it is at 88 and at 120 columns: one
    line if it fits 88; for a wide table, rows of pairs joined by `|` (each row a short line, so
    the 300-line budget holds); else one pair per line with a trailing comma."""
    from mcp_server.files.escape import pyrepr

    items = [f"{pyrepr(k)}: {pyrepr(v)}" for k, v in pairs]
    one = prefix + "{" + ", ".join(items) + "}"
    if len(one) <= 88:
        return Code(one)
    rows: list[list[str]] = [[]]
    for item in items:
        if rows[-1] and len(", ".join([*rows[-1], item])) + 8 > 88:
            rows.append([])
        rows[-1].append(item)
    texts = ["{" + ", ".join(row) + "}" for row in rows]
    if len(one) > WIDE and len(texts) >= 3 and all(len(text) + 6 <= 88 for text in texts):
        body = "\n".join(f"    {'| ' if i else ''}{text}" for i, text in enumerate(texts))
        return Code(f"{prefix}(\n{body}\n)")
    lines = [f"    {_pair(key, value)}," for key, value in pairs]
    return Code(prefix + "{\n" + "\n".join(lines) + "\n}")


def _pair(key: Any, value: Any) -> str:
    """`key: value` of a dict laid out one pair per line (the line indented by 4)."""
    from mcp_server.files.escape import pyrepr

    value_text = element(value, 4, 1, 4 + len(pyrepr(key)) + 2)
    key_text = element(key, 4, 3 + len(value_text.partition("\n")[0]))
    if "\n" in key_text:
        value_text = element(value, 4, 1, 7)  # after `    ): `
    return f"{key_text}: {value_text}"


def list_statement(prefix: str, values: list[Any]) -> Code:
    """`prefix` + a list literal: one line if it fits 88 columns, else one value per line."""
    from mcp_server.files.escape import pyrepr

    one = prefix + "[" + ", ".join(map(pyrepr, values)) + "]"
    if len(one) <= 88:
        return Code(one)
    return Code(prefix + "[\n" + "\n".join(f"    {element(v, 4)}," for v in values) + "\n]")
