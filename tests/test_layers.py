"""The layers of ARCHITECTURE.md hold: no module imports from a higher layer, `ml/` never
imports `mcp`, and every subpackage's `__init__` has a docstring and `__all__` and imports nothing.
Function-local imports count: they are imports too, only later."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import ROOT

PACKAGE = ROOT / "mcp_server"
# (module prefix, rank): the longest matching prefix decides a module's layer.
LAYERS = {
    "mcp_server": 0,
    "mcp_server.core": 0,
    "mcp_server.safety": 0,
    "mcp_server.safety.signing": 10,
    "mcp_server.files": 10,
    "mcp_server.files.journal": 0,
    "mcp_server.files.path_checks": 0,
    "mcp_server.ml.preprocess": 0,
    "mcp_server.ml": 20,
    "mcp_server.ml.capability": 23,  # a capability names its typed Verdict (tracking)
    "mcp_server.ml.data": 20,
    "mcp_server.ml.cluster": 20,  # where long work runs (Dask); the data and every job use it
    "mcp_server.ml.modeling": 21,
    "mcp_server.ml.spec": 22,
    "mcp_server.ml.tracking": 23,
    "mcp_server.ml.fitting": 24,
    "mcp_server.ml.tuning": 25,
    "mcp_server.ml.export": 26,
    "mcp_server.ml.scoring": 26,  # batch scoring of a run model over a partitioned dataset
    "mcp_server.ml.serving": 27,
    "mcp_server.ml.monitoring": 28,
    "mcp_server.ml.scaffolds": 28,
    "mcp_server.ml.tdd": 29,
    "mcp_server.processes": 0,
    "mcp_server.processes.subprocesses": 0,
    "mcp_server.processes.child": 15,  # the job process: below the domain, which starts jobs
    "mcp_server.processes.background": 30,
    "mcp_server.tools": 40,
    "mcp_server.entry": 50,
    "mcp_server.__main__": 60,
}


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _rank(module: str) -> int | None:
    matches = [p for p in LAYERS if module == p or module.startswith(p + ".")]
    return LAYERS[max(matches, key=len)] if matches else None


def _imports(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return out


MODULES = {_name(p): p for p in PACKAGE.rglob("*.py")}


def test_every_module_has_a_layer():
    assert [m for m in MODULES if _rank(m) is None] == []


def test_no_module_imports_from_a_higher_layer():
    upward = []
    for module, path in MODULES.items():
        own = _rank(module)
        assert own is not None
        for target in _imports(path):
            rank = _rank(target) if target.startswith("mcp_server.") else None
            if rank is not None and rank > own and not module.startswith(target):
                upward.append(f"{module} ({own}) imports {target} ({rank})")
    assert upward == []


def test_the_domain_never_imports_the_mcp_sdk():
    offenders = [
        m
        for m, p in MODULES.items()
        if m.startswith("mcp_server.ml")
        for t in _imports(p)
        if t == "mcp" or t.startswith("mcp.")
    ]
    assert offenders == []


def test_every_subpackage_init_has_a_docstring_and_all_and_imports_nothing():
    for init in (PACKAGE / "ml").rglob("__init__.py"):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), init
        names = [
            t.id
            for n in tree.body
            if isinstance(n, ast.Assign)
            for t in n.targets
            if isinstance(t, ast.Name)
        ]
        assert "__all__" in names, init
        assert not any(isinstance(n, ast.Import | ast.ImportFrom) for n in tree.body), init
