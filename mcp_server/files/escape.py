"""The one escaping path from a value to a generated file, safe wherever a template puts it.

A template prints a value either through a filter (`pyrepr`: a Python literal; `tojson`: a JSON
literal; `ident`: a validated identifier; `join`: items escaped one by one) or bare (`{{ x }}`).
Filters mark what they return as `Code`; the environment's `finalize` passes `Code` through and
escapes everything else. The positions and why each output is safe in all of them:

- a literal (`pyrepr`, `tojson`) is delimited by `"` and holds no raw `"`, `'`, backslash,
  brace, line break or other unprintable character (each is a `\\uXXXX` escape, which Python,
  JSON, YAML and TOML double-quoted strings all read back as the character): it cannot close a
  docstring (`\"\"\"` or `'''`), end a comment's line, or leave a YAML or TOML string;
- a bare value made only of letters, digits, space and `_ . - / @ + ,` is printed as it is (no
  call, string, comment or line break can be made of those); any other character becomes the
  same `\\uXXXX` escape, which is a syntax error in code and inert text everywhere else.

Code the product builds itself from such literals (a statement laid out by `ml/tdd/literals`)
is marked `Code` where it is built.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from mcp_server.core.errors import MoaiMlError

_PLAIN = re.compile(r"[\w .\-/@+,]*")
_RAW_IN_LITERAL = re.compile(r"[^\"'\\{}]")


class Code(str):
    """Text made safe for the position it is printed in (a literal, an identifier, code the
    product built from literals): `finalize` prints it as it is."""

    __slots__ = ()


def _escape(char: str, *, json_text: bool) -> str:
    point = ord(char)
    if point <= 0xFFFF:
        return f"\\u{point:04x}"
    if json_text:  # JSON has no \U: a surrogate pair
        high, low = divmod(point - 0x10000, 0x400)
        return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"
    return f"\\U{point:08x}"


def string_literal(text: str, *, json_text: bool = False) -> str:
    """`text` as a double-quoted literal that Python, JSON, YAML and TOML read back as `text`."""
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char.isprintable() and _RAW_IN_LITERAL.fullmatch(char):
            out.append(char)
        else:
            out.append(_escape(char, json_text=json_text))
    return '"' + "".join(out) + '"'


def _scalar(value: Any) -> str:
    """A number, bool or None as Python writes it (numpy scalars as plain numbers)."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value)
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, Iterable):
        return _scalar(value.item())  # a numpy scalar
    raise MoaiMlError(
        f"a {type(value).__name__} cannot be written into generated code; give a number, string "
        "or boolean instead (in fields= or the SPEC's '## ML' block), or drop= its column"
    )


def pyrepr(value: Any) -> Code:
    """A Python literal for a value from data (strings, numbers, lists, tuples, dicts, None),
    as `ruff format` leaves it: strings in double quotes; containers rebuilt from their items."""
    if isinstance(value, str):
        return Code(string_literal(value))
    if isinstance(value, list):
        return Code("[" + ", ".join(map(pyrepr, value)) + "]")
    if isinstance(value, tuple):
        items = ", ".join(map(pyrepr, value))
        return Code(f"({items},)" if len(value) == 1 else f"({items})")
    if isinstance(value, dict):
        return Code("{" + ", ".join(f"{pyrepr(k)}: {pyrepr(v)}" for k, v in value.items()) + "}")
    return Code(_scalar(value))


def tojson(value: Any) -> Code:
    """A JSON literal (keys sorted), its strings escaped like `pyrepr`'s."""
    if isinstance(value, str):
        return Code(string_literal(value, json_text=True))
    if isinstance(value, list | tuple):
        return Code("[" + ", ".join(map(tojson, value)) + "]")
    if isinstance(value, dict):
        pairs = sorted((str(k), v) for k, v in value.items())
        return Code("{" + ", ".join(f"{tojson(k)}: {tojson(v)}" for k, v in pairs) + "}")
    _scalar(value)  # refuses what is not a number, bool or None
    return Code(json.dumps(value.item() if hasattr(value, "item") else value))


def finalize(value: Any) -> str:
    """What a bare `{{ value }}` prints: `Code` as it is; anything else plain, or escaped."""
    if isinstance(value, Code):
        return value
    text = _scalar(value) if value is None or isinstance(value, int | float) else str(value)
    if _PLAIN.fullmatch(text):
        return text
    return "".join(c if _PLAIN.fullmatch(c) else _escape(c, json_text=False) for c in text)


def join(items: Iterable[Any], separator: str = "") -> Code:
    """Jinja's `join`, each item printed as a bare value would be."""
    return Code(str(separator).join(finalize(item) for item in items))


__all__ = ["Code", "finalize", "join", "pyrepr", "string_literal", "tojson"]
