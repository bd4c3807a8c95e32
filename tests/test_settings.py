"""Every environment variable has one home (mcp_server/core/settings.py) and README lists them
all."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from mcp_server.core import layout, settings
from tests.support import ROOT

SOURCES = [
    *sorted((ROOT / "mcp_server").rglob("*.py")),
    *sorted((ROOT / "templates").rglob("*.j2")),
]


def _text(path: Path) -> str:
    """Templates as they are; Python modules' string literals and comments (not their
    identifiers)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        return text
    tree = ast.parse(text)
    strings = [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]
    comments = [line.split("#", 1)[1] for line in text.splitlines() if "#" in line]
    return "\n".join(strings + comments)


def test_the_readme_lists_every_setting_with_its_default_and_meaning():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for s in settings.ALL:
        row = next(
            (line for line in readme.splitlines() if line.startswith(f"| `{s.name}` |")), None
        )
        assert row is not None, f"README.md does not list {s.name}"
        assert s.meaning in row and (s.audience == "internal" or (s.default or "(unset)") in row), (
            row
        )


def test_every_moai_or_mlflow_variable_the_code_names_is_a_declared_setting():
    declared = {s.name for s in settings.ALL}
    named = {
        m for path in SOURCES for m in re.findall(r"\b((?:MOAI_ML|MLFLOW)_[A-Z_]+)\b", _text(path))
    }
    assert (
        named - declared - set(vars(layout)) == set()
    )  # layout's constant names are not variables


def test_no_code_outside_settings_names_an_environment_variable_of_the_product():
    names = {s.name for s in settings.ALL}
    offenders = []
    for path in SOURCES:
        if path.name == "settings.py":
            continue
        text = path.read_text(encoding="utf-8")
        for name in names:
            if re.search(rf"[\"']{name}[\"']", text):
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders, offenders
