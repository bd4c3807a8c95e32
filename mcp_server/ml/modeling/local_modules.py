"""Estimator modules of this package, copied into a generated project so its models load without it.

A pipeline generated for a family whose class lives in `mcp_server` (the neural families) must
not import `mcp_server`: the user's project runs with its own dependencies, and a model pickled
by it names the module its estimator came from. So the estimator's module (and the modules of
this package it imports) are rendered next to `pipeline.py`: the same source, with imports of
`mcp_server.ml.modeling.<m>` made relative (`.<m>`) and `settings.<NAME>.name/.default` written
as literals. A fitted model then names `<package>.<module>.neural.TorchMLPClassifier`, which
loads with the project's `src` on the path, torch, skorch (or keras) and scikit-learn.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

from mcp_server.core import settings
from mcp_server.core.errors import MoaiMlError
from mcp_server.files.escape import Code

PACKAGE = "mcp_server."
_MODELING = "mcp_server.ml.modeling."
# Modules outside `ml/modeling` an estimator module may import and have copied beside it: the
# forecasting families' time grid and the errors they raise (both free of other imports of ours).
_COPYABLE = ("mcp_server.ml.data.series.grid", "mcp_server.core.errors")
_IMPORT = re.compile(r"^(\s*)from mcp_server\.([\w.]+) import ", re.MULTILINE)
_SETTINGS_IMPORT = re.compile(r"^from mcp_server\.core import settings\n", re.MULTILINE)
_SETTING = re.compile(r"\bsettings\.([A-Z_]+)\.(name|default)\b")


def is_local(module: str) -> bool:
    """Whether an estimator class lives in this package (and must be copied into generated code)."""
    return module.startswith(PACKAGE)


def relative(module: str) -> str:
    """The import a generated module uses for a copied estimator module: `.neural`."""
    return "." + module.rsplit(".", maxsplit=1)[-1]


def _setting_literal(match: re.Match[str]) -> str:
    setting = getattr(settings, match.group(1), None)
    if not isinstance(setting, settings.Setting):
        raise MoaiMlError(
            f"generated code cannot copy a reference to settings.{match.group(1)}; choose "
            "another family (model= in ml_tdd_green or ml_train)"
        )
    return json.dumps(
        setting.name if match.group(2) == "name" else setting.default
    )  # a "..." literal


def copied_source(module: str) -> tuple[str, list[str]]:
    """A module's source made free of `mcp_server`, and the modules of this package it imports."""
    spec = importlib.util.find_spec(module)
    copyable = module.startswith(_MODELING) or module in _COPYABLE
    if spec is None or spec.origin is None or not copyable:
        raise MoaiMlError(
            f"{module} cannot be copied into generated code; choose another family (model= in "
            "ml_tdd_green or ml_train)"
        )
    text = Path(spec.origin).read_text(encoding="utf-8")
    needs = sorted({PACKAGE + name for _, name in _IMPORT.findall(text) if name != "core"})
    text = _IMPORT.sub(_relative_import, text)
    text = _SETTING.sub(_setting_literal, _SETTINGS_IMPORT.sub("", text))
    if "mcp_server" in text:
        raise MoaiMlError(
            f"{module} still names mcp_server once copied; it cannot go into generated code: "
            "choose another family (model= in ml_tdd_green or ml_train)"
        )
    return text, needs


def _relative_import(match: re.Match[str]) -> str:
    """`from mcp_server.a.b.c import` -> `from .c import` (settings are written as literals)."""
    if match.group(2) == "core":
        return match.group(0)  # `from mcp_server.core import settings`: removed before this
    return f"{match.group(1)}from {relative(PACKAGE + match.group(2))} import "


def local_modules(modules: list[str]) -> list[dict[str, Any]]:
    """Render items for every local module the estimators need: `file` (its name in the generated
    folder), `origin` (its path in moai-domain-ml, for the header) and `source`."""
    pending = sorted({m for m in modules if is_local(m)})
    done: dict[str, str] = {}
    while pending:
        module = pending.pop()
        if module in done:
            continue
        done[module], needs = copied_source(module)
        pending += [m for m in needs if m not in done]
    files = [relative(m) for m in done]
    if len(set(files)) < len(files):
        raise MoaiMlError(
            f"estimator modules {sorted(done)} share a file name; choose another family "
            "(model= in ml_tdd_green or ml_train)"
        )
    return [
        {
            "file": relative(m)[1:] + ".py",
            "origin": m.removeprefix(PACKAGE).replace(".", "/") + ".py",
            "source": Code(done[m].rstrip("\n")),  # this package's own module, copied
        }
        for m in sorted(done)
    ]
