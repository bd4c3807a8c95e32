"""Every template set, rendered with the hostile corpus in every field, writes no marker (issue 23).

Each set's render context is recorded from the product's own code (the generator that renders
it, on a small fitted model or a SPEC over a hostile table), so the fields are the real ones.
Then, per payload of the corpus, every string of the context gets the payload appended (a
payload tries to close its position, a docstring, a string, a comment, YAML or TOML, and write the
marker file); a field whose value is refused in one line (a path segment, an identifier) is found
by halving and left plain, so every other field takes the payload. Each render is of files that
parse (Python, YAML, TOML, JSON), hold no call writing the marker, and are executed: every
distinct Python file runs in a subprocess in a temporary folder (modules it cannot import are
stubs, so it runs as far as it can), and no marker appears.
Product-built code (`Code` values, built from escaped literals where they are made) is not
mutated: its safety is its builder's.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jinja2 import UndefinedError

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.escape import Code
from mcp_server.files.template_sets import TemplateSet
from tests.fuzz.template_makers import (
    render_dvc,
    render_feast,
    render_network,
    render_neural,
    render_serving,
    render_tdd,
)
from tests.support import ROOT
from tests.test_generated_injection import CORPUS, MARKER

pytestmark = pytest.mark.slow  # ~150 s in all on 2 shared cores: make test, not make check

RUNNER = r"""
import importlib.abc, importlib.machinery, os, runpy, sys, types

class _Anything:
    def __init__(self, *a, **k): pass
    def __getattr__(self, name): return _Anything()
    def __call__(self, *a, **k): return _Anything()
    def __iter__(self): return iter(())
    def __mro_entries__(self, bases): return (object,)

class _Stubs(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        return importlib.machinery.ModuleSpec(name, self, is_package=True)
    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__path__ = []
        module.__getattr__ = lambda name: _Anything()
        return module
    def exec_module(self, module): pass

sys.meta_path.append(_Stubs())
for path in sys.argv[1:]:
    os.chdir(os.path.dirname(path))
    try:
        runpy.run_path(path, run_name="generated")
    except BaseException:
        pass
"""


class _Recorded(Exception):
    """Raised once a context is recorded: what the generator does after rendering is not needed."""


def recorded(monkeypatch: pytest.MonkeyPatch, make: Callable[[], Any]) -> list[tuple[Any, ...]]:
    """(template set, group, context) of every render `make` does."""
    seen: list[tuple[Any, ...]] = []

    def record(self: TemplateSet, group: str, context: dict[str, Any]) -> dict[str, str]:
        seen.append((self, group, context))
        raise _Recorded

    with monkeypatch.context() as patch:
        patch.setattr(TemplateSet, "render", record)
        try:
            make()
        except _Recorded:
            pass
    return seen


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every plain string in a context (dict values, list and tuple items)."""
    if isinstance(value, str):
        if not isinstance(value, Code):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))


def replaced(value: Any, path: tuple[Any, ...], payload: str) -> Any:
    if not path:
        return value + payload
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: replaced(value[head], rest, payload)}
    items = list(value)
    items[head] = replaced(items[head], rest, payload)
    return type(value)(items) if isinstance(value, tuple) else items


def writes_marker(tree: ast.AST) -> bool:
    """A call in code (not in a string) that names the marker: an injected payload."""
    return any(
        isinstance(node, ast.Call)
        and any(isinstance(a, ast.Constant) and a.value == MARKER for a in node.args)
        for node in ast.walk(tree)
    )


def check_file(rel: str, text: str) -> None:
    if rel.endswith(".py"):
        assert not writes_marker(ast.parse(text)), f"{rel}: a payload became code"
    elif rel.endswith((".yaml", ".yml")):
        yaml.safe_load(text)
    elif rel.endswith(".toml"):
        tomllib.loads(text)
    elif rel.endswith(".json"):
        json.loads(text)


def attack(seen: list[tuple[Any, ...]], out: Path) -> dict[str, int]:
    """Render, per payload, every field of every context at once (fields refused alone, found by
    halving, stay plain), check the files, and write each distinct Python file under `out`."""
    counts = {"variants": 0, "refused_fields": 0, "fields": 0, "python_files": 0}
    written: set[str] = set()
    for layout, group, context in seen:
        fields = list(leaves(context))
        counts["fields"] += len(fields)
        refused: set[tuple[Any, ...]] = set()
        for payload in CORPUS:
            for files in _renders(layout, group, context, fields, refused, payload, counts):
                _keep(files, out, written)
        counts["refused_fields"] += len(refused)
    counts["python_files"] = len(written)
    return counts


def _renders(
    layout: TemplateSet,
    group: str,
    context: dict[str, Any],
    fields: list[tuple[Any, ...]],
    refused: set[tuple[Any, ...]],
    payload: str,
    counts: dict[str, int],
) -> Iterator[dict[str, str]]:
    """The group rendered with `payload` in every field not refused; a refusal is split in
    halves until the field refused alone is found (then left plain for the next payloads)."""
    todo = [[f for f in fields if f not in refused]]
    while todo:
        group_fields = todo.pop()
        if not group_fields:
            continue
        mutated = context
        for path in group_fields:
            mutated = replaced(mutated, path, payload)
        counts["variants"] += 1
        try:
            yield layout.render(group, mutated)
        except (MoaiMlError, UndefinedError) as exc:
            assert isinstance(exc, UndefinedError) or len(str(exc).splitlines()) == 1, exc
            if len(group_fields) == 1:
                refused.add(group_fields[0])
            else:
                half = len(group_fields) // 2
                todo += [group_fields[:half], group_fields[half:]]


def _keep(files: dict[str, str], out: Path, written: set[str]) -> None:
    for rel, text in files.items():
        check_file(rel, text)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        if rel.endswith(".py") and digest not in written:
            written.add(digest)
            target = out / digest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


def run_all(out: Path) -> None:
    files = sorted(str(p) for p in out.rglob("*.py"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOAI_ML")}
    subprocess.run(
        [sys.executable, "-I", "-c", RUNNER, *files],
        cwd=out,
        capture_output=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert not list(out.rglob(MARKER)), "a payload ran: the marker file exists"


SETS: dict[str, Callable[[Path], list[Callable[[], None]]]] = {
    "serving": lambda tmp: [render_serving],
    "torchserve": lambda tmp: [
        render_neural("torchserve", "torch_mlp"),
        render_network("image"),
        render_network("text"),
    ],
    "tfserving": lambda tmp: [render_neural("tfserving", "keras_mlp")],
    "tdd": lambda tmp: render_tdd(tmp, series=False),
    "tdd_series": lambda tmp: render_tdd(tmp, series=True),
    "tdd_images": lambda tmp: render_tdd(tmp, series=False, images=True),
    "dvc": render_dvc,
    "feast": render_feast,
}


@pytest.mark.parametrize("name", list(SETS))
def test_every_field_of_a_template_set_takes_the_hostile_corpus_and_no_marker_is_written(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if name in ("torchserve", "tdd_images"):
        pytest.importorskip("torch")
    if name == "tfserving":
        pytest.importorskip("keras")
    (tmp_path / "in").mkdir()
    seen = [rec for make in SETS[name](tmp_path / "in") for rec in recorded(monkeypatch, make)]
    assert seen and {layout.name for layout, _, _ in seen} == {name}
    counts = attack(seen, tmp_path / "out")
    # most fields take every payload (a refused one is a path segment or an identifier); a set
    # that writes Python (all but TF Serving's config and README) had it parsed and run
    writes_python = any((ROOT / "templates" / name).rglob("*.py.j2"))
    assert counts["variants"] > 0 and counts["refused_fields"] < counts["fields"] / 2, counts
    assert (counts["python_files"] > 0) == writes_python, counts
    if writes_python:
        run_all(tmp_path / "out")
