"""An isort-ordered import block for generated modules (what `ruff check --select I` expects),
and the context of a kind's pipeline module built around it (`module_context`)."""

from __future__ import annotations

import sys
import textwrap
from typing import Any

from mcp_server.files.escape import Code
from mcp_server.ml.modeling.local_modules import local_modules

_ALIASES = {"numpy": "np", "pandas": "pd"}
_WIDTH = 88  # ruff's default line length: a wrapped import keeps its trailing comma


def _member_key(name: str) -> tuple[int, str]:
    # isort's order-by-type: CONSTANTS, then Classes, then functions/modules.
    if name.isupper():
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def _from_line(module: str, names: set[str]) -> str:
    members = sorted(names, key=_member_key)
    line = f"from {module} import {', '.join(members)}"
    if len(line) <= _WIDTH:
        return line
    inner = "".join(f"    {m},\n" for m in members)
    return f"from {module} import (\n{inner})"


def _is_stdlib(module: str) -> bool:
    return module.split(".", maxsplit=1)[0] in sys.stdlib_module_names


def import_block(
    stdlib: list[str],
    thirdparty: list[str],
    froms: dict[str, set[str]],
    local: list[str] | None = None,
) -> str:
    """Sections stdlib / third-party / local (`from . import x`, then `from .m import y`), `import
    x`
    before `from x import y` in each."""
    sections: list[list[str]] = []
    plain_std = sorted(f"import {m}" for m in stdlib)
    from_std = [_from_line(m, froms[m]) for m in sorted(froms) if _is_stdlib(m)]
    sections.append(plain_std + from_std)
    plain_third = sorted(
        (f"import {m} as {_ALIASES[m]}" if m in _ALIASES else f"import {m}" for m in thirdparty),
        key=lambda line: line.split()[1],
    )
    from_third = [
        _from_line(m, froms[m])
        for m in sorted(froms)
        if not _is_stdlib(m) and not m.startswith(".")
    ]
    sections.append(plain_third + from_third)
    relative = [
        _from_line(m, froms[m]) for m in sorted(froms) if m.startswith(".")
    ]  # e.g. `.neural`
    sections.append(([_from_line(".", set(local))] if local else []) + relative)
    return "\n\n".join("\n".join(lines) for lines in sections if lines)


def module_context(
    common: dict[str, Any], est: dict[str, Any], extra: dict[str, set[str]], label: str, note: str
) -> dict[str, Any]:
    """A kind's generated pipeline module (forecast, images): its kind's common context, the
    estimator, the import block (the modules and names every such pipeline uses: `Pipeline`, the
    estimator's class, `Any`, `Path`; then the kind's `extra` `from` imports), the estimator's
    one-line doc (`label: name (note)`) and the family modules copied beside it."""
    froms: dict[str, set[str]] = {
        "sklearn.pipeline": {"Pipeline"},
        est["module"]: {est["cls"]},
        "typing": {"Any"},
        "pathlib": {"Path"},
    }
    for module, names in extra.items():
        froms[module] = froms.get(module, set()) | names
    imports = import_block(
        ["argparse", "hashlib", "importlib", "json", "os", "sys"],
        ["joblib", "numpy", "pandas"],
        froms,
    )
    return {
        **common,
        "estimator": est,
        "imports": Code(imports),
        "estimator_doc": Code(textwrap.fill(f"{label}: {est['name']} ({note}).", 96)),
        "local_modules": local_modules([est["origin"]]),
    }
