"""Every refusal the product raises names its fix: a tool, an argument, a setting, a SPEC field,
a CLI option or a package to install. The refusals are collected from the code (every `raise` of
`MoaiMlError` or a subclass with a literal or f-string message under mcp_server/), not by hand.

A fix is named when the message's literal parts (an f-string's values left out, except
`settings.X.name`, which is the setting's name) hold one of:
- a tool the server lists (`ml_train`, ...);
- an argument some tool takes, written `name=`, quoted (`'name'`, `` `name` ``) or, when the name
  has an underscore (`cv_folds`, `data_path`: no English word), bare;
- an environment variable of core/settings.py;
- a SPEC field, as `the SPEC's field`, `the SPEC's '## ML' block` or `field:`;
- a command-line option (`--token-file`), a `moai-ml ` command or a `pip install`.

The refusals whose fix no such name can express (those only Python code that extends the product
meets) are listed in tests/refusals_without_a_fix.txt, each after a `#` line saying why: the list
may only shrink (an entry whose message is gone or now names its fix must be removed), and no new
refusal may join it."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import anyio

from mcp_server.core import settings
from mcp_server.ml.spec.fields import FIELDS

ROOT = Path(__file__).resolve().parent.parent
PENDING = Path(__file__).with_name("refusals_without_a_fix.txt")
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
TOOL = re.compile(r"\bml_[a-z_]+\b")
FIELD = re.compile(rf"\bthe SPEC's ({'|'.join(FIELDS)}|'## ML' block)\b|\b({'|'.join(FIELDS)}):")
COMMAND = re.compile(r"(^|\s|`)--[a-z][a-z-]+|\bmoai-ml [a-z]|\bpip install\b")


@cache
def vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    """The tools the server lists and every argument any of them takes."""
    from mcp_server.entry.server import build_server

    async def listed() -> list[object]:
        return list(await build_server(ROOT / "examples").list_tools())

    tools = anyio.run(listed)
    arguments = {arg for t in tools for arg in t.input_schema.get("properties", {})}  # type: ignore[attr-defined]
    return frozenset(t.name for t in tools), frozenset(arguments)  # type: ignore[attr-defined]


def _errors(trees: list[ast.Module]) -> set[str]:
    """MoaiMlError and every class that derives from it, however deep."""
    names, grown = {"MoaiMlError"}, True
    while grown:
        grown = False
        for node in (n for tree in trees for n in ast.walk(tree)):
            if isinstance(node, ast.ClassDef) and node.name not in names:
                if any(isinstance(b, ast.Name) and b.id in names for b in node.bases):
                    names.add(node.name)
                    grown = True
    return names


def _setting_name(node: ast.expr) -> str | None:
    """The environment variable `{settings.X.name}` puts into a message, else None."""
    if isinstance(node, ast.FormattedValue):
        value = node.value
        if isinstance(value, ast.Attribute) and value.attr == "name":
            owner = value.value
            if isinstance(owner, ast.Attribute) and ast.unparse(owner.value) == "settings":
                setting = getattr(settings, owner.attr, None)
                if isinstance(setting, settings.Setting):
                    return setting.name
    return None


def _literal(node: ast.expr) -> str | None:
    """A message's literal text, `{}` where an f-string puts a value (a setting's name as the
    name); None if not written out."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) else _setting_name(v) or "{}"
            for v in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        if left is not None or right is not None:
            return (left or "{}") + (right or "{}")
    return None


def refusals() -> list[tuple[str, str]]:
    """(module path, literal message) of every refusal raised under mcp_server/."""
    files = sorted((ROOT / "mcp_server").rglob("*.py"))
    trees = [ast.parse(f.read_text(encoding="utf-8")) for f in files]
    errors, found = _errors(trees), []
    for path, tree in zip(files, trees, strict=True):
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            name = getattr(func, "id", None) or getattr(func, "attr", None)
            if name in errors and node.exc.args:
                message = _literal(node.exc.args[0])
                if message is not None:
                    found.append((path.relative_to(ROOT).as_posix(), message))
    return found


def names_a_fix(message: str) -> bool:
    tools, arguments = vocabulary()
    text = message.replace("{}", " ")
    if any(tool in tools for tool in TOOL.findall(text)):
        return True
    for word in set(WORD.findall(text)) & arguments:
        if "_" in word or re.search(rf"['`]{word}['`]|\b{word}=", text):
            return True
    settings_named = (s.name for s in vars(settings).values() if isinstance(s, settings.Setting))
    if any(re.search(rf"\b{name}\b", text) for name in settings_named):
        return True
    return bool(FIELD.search(text) or COMMAND.search(text))


def _key(path: str, message: str) -> str:
    return f"{path}: {' '.join(message.split())}"


def pending() -> set[str]:
    lines = PENDING.read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line.strip() and not line.startswith("#")}


def test_every_refusal_left_without_a_fix_says_why():
    lines = PENDING.read_text(encoding="utf-8").splitlines()
    unexplained = [
        line
        for before, line in zip(["", *lines], lines, strict=False)
        if line.strip() and not line.startswith("#") and not before.startswith("#")
    ]
    assert not unexplained, "give each entry a `#` line above it saying why no fix can be named"


def test_the_refusals_are_collected_from_the_code():
    found = refusals()
    paths = {path for path, _ in found}
    assert len(found) > 300, "the collector lost the product's refusals"
    assert {"mcp_server/ml/spec/document.py", "mcp_server/ml/tuning/spaces.py"} <= paths
    assert any("cv_folds" in message for _, message in found)


def test_the_rule_accepts_named_fixes_and_rejects_prose():
    assert names_a_fix("run {} failed its gates; pass allow_failed_gates=true to export it")
    assert names_a_fix("class(es) too rare for {}-fold CV; lower cv_folds")
    assert names_a_fix("no SPEC {}; write one with ml_tdd_red")
    assert names_a_fix("set MOAI_ML_THREADS to a whole number")
    assert not names_a_fix("{} is a directory; give a file")
    assert not names_a_fix("model {} is unknown; choose another model")  # 'model' bare is English
    assert not names_a_fix("ml_fly is refused")  # not a tool the server lists
    assert not names_a_fix("the tokenizer splits on ASCII letters only")  # not the setting CI


def test_a_setting_put_in_by_its_name_counts_as_named():
    message = ast.parse('f"set {settings.THREADS.name} to a whole number, not {value}"')
    literal = _literal(message.body[0].value)  # type: ignore[attr-defined]
    assert literal == f"set {settings.THREADS.name} to a whole number, not {{}}"
    assert names_a_fix(literal)


def test_every_new_refusal_names_a_tool_an_argument_or_a_setting_that_exists():
    known = pending()
    missing = sorted(
        _key(p, m) for p, m in refusals() if not names_a_fix(m) and _key(p, m) not in known
    )
    assert not missing, "refusals naming no fix (name a tool, argument or setting):\n" + "\n".join(
        missing
    )


def test_the_list_of_refusals_still_to_fix_only_shrinks():
    current = {_key(p, m): m for p, m in refusals()}
    stale = sorted(k for k in pending() if k not in current or names_a_fix(current[k]))
    assert not stale, f"remove from {PENDING.name} (gone or now naming a fix):\n" + "\n".join(stale)
