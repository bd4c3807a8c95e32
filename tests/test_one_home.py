"""One home per fact, kept by the AST: model family names only in `ml/modeling/registry.py` (and
its `registry_dl.py`, `registry_series.py`),
`.moai` paths only in `core/layout.py`, the process environment touched only in
`core/settings.py`. Docstrings, comments and prose (a string with spaces, for `.moai`) are docs and
may mention them; string literals that are names, paths or keys, and comparisons with them, may
not."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from mcp_server.ml.modeling.registry import REGISTRY
from tests.support import ROOT

PACKAGE = ROOT / "mcp_server"
SOURCES = sorted(PACKAGE.rglob("*.py"))
TEMPLATES = sorted((ROOT / "templates").rglob("*.j2"))
FAMILY = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, REGISTRY)) + r")(?!\w)")
IMPORTERS = ("find_spec", "import_module")  # a module that shares a family's name (`xgboost`)
MOAI_PATH = re.compile(r"(^|/)\.moai(/|$)")


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def _module_names(tree: ast.AST) -> set[int]:
    """String literals that name modules: arguments of importers, entries of `__all__`."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in IMPORTERS:
                out.update(id(a) for a in node.args)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            out.update(id(n) for n in ast.walk(node.value))
    return out


def _strings(path: Path, *, skip_module_names: bool = False) -> Iterator[ast.Constant]:
    """Every string literal of a module (f-string parts too) but its docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree) | (_module_names(tree) if skip_module_names else set())
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node


def _families(path: Path) -> list[str]:
    """`line: family` for each string literal naming a family (module names aside)."""
    return [
        f"{node.lineno}: {found.group(0)}"
        for node in _strings(path, skip_module_names=True)
        for found in [FAMILY.search(node.value)]
        if found
    ]


def test_no_module_but_the_registry_names_a_model_family():
    modeling = PACKAGE / "ml" / "modeling"
    homes = {modeling / name for name in ("registry.py", "registry_dl.py", "registry_series.py")}
    offenders = [f"{_rel(p)}:{hit}" for p in SOURCES if p not in homes for hit in _families(p)]
    offenders += [
        f"{_rel(path)}: {found.group(0)}"
        for path in TEMPLATES
        for found in [FAMILY.search(path.read_text(encoding="utf-8"))]
        if found
    ]
    assert offenders == []


def test_the_family_check_finds_a_family_compared_or_named_outside_the_registry(tmp_path):
    module = tmp_path / "rogue.py"
    module.write_text(
        '"""Docs may say xgboost."""\n'
        "import importlib.util\n"
        '__all__ = ["keras_mlp"]\n'
        'HAS = importlib.util.find_spec("lightgbm")\n'
        'def f(family):\n    return family == "xgboost" or family in ("ridge", "svm")\n'
        'NOTE = f"use {1} random_forest trees"\n',
        encoding="utf-8",
    )
    assert sorted(_families(module)) == ["6: ridge", "6: svm", "6: xgboost", "7: random_forest"]


def _moai_paths(path: Path) -> list[str]:
    """`line: literal` for each string literal that is a `.moai` path (prose has spaces)."""
    return [
        f"{node.lineno}: {node.value}"
        for node in _strings(path)
        if not any(ch.isspace() for ch in node.value) and MOAI_PATH.search(node.value)
    ]


def test_no_module_but_layout_builds_a_moai_path():
    home = PACKAGE / "core" / "layout.py"
    assert [f"{_rel(p)}:{hit}" for p in SOURCES if p != home for hit in _moai_paths(p)] == []


def test_the_path_check_finds_moai_paths_in_literals_f_strings_and_comparisons(tmp_path):
    module = tmp_path / "rogue.py"
    module.write_text(
        '"""Runs live in .moai/ml/mlflow.db (docs)."""\n'
        'DB = ".moai/ml/optuna.db"\n'
        'def f(folder, i):\n    return folder.endswith(".moai") or f".moai/specs/SPEC-{i}"\n'
        'HELP = "the report goes to .moai/ml/reports (prose)"\n'
        'DEMO = "examples/.moai/specs"\n',
        encoding="utf-8",
    )
    assert sorted(_moai_paths(module)) == [
        "2: .moai/ml/optuna.db",
        "4: .moai",
        "4: .moai/specs/SPEC-",
        "6: examples/.moai/specs",
    ]


ENVIRON = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}
# A module copied into generated projects cannot import settings; it names its variable through
# settings.<NAME>.name/.default, written as literals when copied (ml/modeling/local_modules.py).
COPIED = {PACKAGE / "ml" / "modeling" / "keras_mlp.py"}


def _environment_uses(path: Path) -> list[str]:
    """`line: what` for each touch of the process environment: `os.environ` and its kin, and an
    `env=` mapping written out by hand."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ENVIRON:
            out.append(f"{node.lineno}: {node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            out += [f"{node.lineno}: {a.name}" for a in node.names if a.name in ENVIRON]
        elif isinstance(node, ast.keyword) and node.arg == "env":
            if isinstance(node.value, ast.Dict):
                out.append(f"{node.lineno}: env={{...}}")
    return out


def test_no_module_but_settings_touches_the_process_environment():
    home = PACKAGE / "core" / "settings.py"
    skip = {home} | COPIED
    offenders = [
        f"{_rel(p)}:{hit}" for p in SOURCES if p not in skip for hit in _environment_uses(p)
    ]
    assert offenders == []


def test_the_environment_check_finds_reads_writes_and_hand_written_child_environments(tmp_path):
    module = tmp_path / "rogue.py"
    module.write_text(
        '"""os.environ in docs is fine."""\n'
        "import os\n"
        "from os import getenv\n"
        'A = os.environ.get("X")\n'
        'B = os.getenv("Y")\n'
        'def run(sp):\n    return sp.run(["x"], env={"Z": "1"})\n',
        encoding="utf-8",
    )
    assert sorted(_environment_uses(module)) == [
        "3: getenv",
        "4: environ",
        "5: getenv",
        "7: env={...}",
    ]


def test_the_generated_service_names_its_variables_only_through_the_settings_table():
    from mcp_server.core import settings
    from mcp_server.files.render import render
    from mcp_server.ml.serving.service import service_env

    # quoted, as a string, a README cell or an assignment (a Python constant may share a name)
    names = re.compile("|".join(rf"[\"'`]{s.name}[\"'`=]" for s in settings.SERVICE))
    serving = sorted((ROOT / "templates" / "serving").rglob("*.j2"))
    assert [_rel(p) for p in serving if names.search(p.read_text(encoding="utf-8"))] == []
    context = {
        "model_name": "m",
        "task": "binary",
        "model_file": "model.onnx",
        "runtime": "onnx",
        "classification": True,
        "image_name": "m",
        "env": service_env(),
    }
    readme = render("serving/README.md.j2", context)
    for s in settings.SERVICE:
        assert f"| `{s.name}` | {s.default or 'unset'} | {s.meaning} |" in readme
