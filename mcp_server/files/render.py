"""The one Jinja environment: sandboxed, StrictUndefined, and safe filters for data names.

Every value reaches a generated file through `files/escape.py`: a literal (`pyrepr`, `tojson`),
a validated identifier (`ident`), or, printed bare, the environment's `finalize`, which escapes
anything but plain text. Every rendered `.py` is parsed before it is returned, and no Jinja
marker may survive rendering.
"""

from __future__ import annotations

import ast
import keyword
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.core.names import IDENTIFIER
from mcp_server.core.package import CHECKOUT_DIR, PACKAGE_DIR
from mcp_server.files.escape import Code, finalize, join, pyrepr, tojson

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

_IDENT = re.compile(IDENTIFIER)
_MARKERS = ("{{", "}}", "{%", "%}", "{#", "#}")


def templates_dir() -> Path:
    """Templates ship inside the wheel as `mcp_server/templates`; in a checkout they are
    `templates/`."""
    packaged = PACKAGE_DIR / "templates"
    if packaged.is_dir():
        return packaged
    return CHECKOUT_DIR / "templates"


def ident(value: str) -> Code:
    """A validated Python identifier; refuses anything else instead of escaping it."""
    if not isinstance(value, str) or not _IDENT.match(value) or keyword.iskeyword(value):
        raise MoaiMlError(
            f"{value!r} is not a safe Python identifier for generated code; use letters, digits "
            "and underscores, not starting with a digit (e.g. package='ml_project')"
        )
    return Code(value)


def to_identifier(value: str, fallback: str = "x") -> str:
    """Turn any name into an identifier (for module names such as `ml_001`)."""
    out = re.sub(r"[^0-9A-Za-z_]", "_", value).strip("_").lower() or fallback
    if out[0].isdigit() or keyword.iskeyword(out):
        out = f"{fallback}_{out}"
    return out


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    # Why imported here: Jinja is needed by the tools that write files, not to start the server
    # (its import is 2 % of the start-up to tools/list, bench/startup.py).
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(templates_dir())),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        finalize=finalize,  # every bare value is escaped (files/escape.py)
    )
    env.filters["pyrepr"] = pyrepr
    env.filters["ident"] = ident
    env.filters["tojson"] = tojson
    env.filters["join"] = join
    return env


def render(template: str, context: dict[str, Any]) -> str:
    """Render one template; Python output is parsed and checked for leftover Jinja markers."""
    text = environment().get_template(template).render(**context)
    check_rendered(template, text)
    return text


def check_rendered(name: str, text: str) -> None:
    """Refuse output that still carries Jinja markers or (for `.py`) does not parse."""
    target = name.removesuffix(".j2")
    if target.endswith(".py"):
        try:
            tree = ast.parse(text, filename=target)
        except SyntaxError as exc:
            raise MoaiMlError(
                f"template {name} rendered invalid Python ({exc}); the installed templates are "
                "damaged: pip install --force-reinstall moai-domain-ml"
            ) from exc
        code_only = _strip_strings(tree)
        # Opening markers only: code may close nested displays (`{1: {2: 3}}`) with "}}".
        leftovers = [m for m in _MARKERS[::2] if m in code_only]
    else:
        leftovers = [m for m in ("{{", "{%", "{#") if m in text]
    if leftovers:
        raise MoaiMlError(
            f"template {name} left Jinja markers {leftovers} in its output; the installed "
            "templates are damaged: pip install --force-reinstall moai-domain-ml"
        )


def _strip_strings(tree: ast.AST) -> str:
    """Source text without string literals: data may legitimately contain '{{' in a column name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
    return ast.unparse(tree)
