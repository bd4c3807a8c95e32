"""The run store's interface is the product's own: outside `ml/tracking/` no module touches
MLflow's `Run` or client (they read a `RunView`), and every `moai.` tag key is spelled once, in
`ml/tracking/tags.py`. Read from the AST of every module, so a new offender fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.support import ROOT

PACKAGE = ROOT / "mcp_server"
TRACKING = PACKAGE / "ml" / "tracking"
TAGS = TRACKING / "tags.py"
# MLflow modules whose objects are runs, clients or their errors: the store's business alone.
CLIENT_MODULES = ("mlflow.entities", "mlflow.tracking", "mlflow.client", "mlflow.exceptions")
CLIENT_NAMES = {"MlflowClient", "Run", "MlflowException"}
RUN_PARTS = {"data": {"tags", "metrics", "params"}, "info": {"run_id", "artifact_uri", "status"}}
TAG_KEY = re.compile(r"moai\.[a-z0-9_][a-z0-9_.]*")


def _modules(skip: Path | None = None) -> dict[str, ast.Module]:
    return {
        str(path.relative_to(ROOT)): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
        if skip is None or skip not in (path, *path.parents)
    }


def _client_uses(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = {a.name for a in node.names}
            if node.module.startswith(CLIENT_MODULES) or (
                node.module == "mlflow" and names & CLIENT_NAMES
            ):
                found.append(f"line {node.lineno}: from {node.module} import {', '.join(names)}")
        elif isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: import {a.name}"
                for a in node.names
                if a.name.startswith(CLIENT_MODULES)
            ]
        elif isinstance(node, ast.Attribute):
            inner = node.value
            if node.attr == "client":
                found.append(f"line {node.lineno}: .client")
            elif isinstance(inner, ast.Attribute) and node.attr in RUN_PARTS.get(inner.attr, ()):
                found.append(f"line {node.lineno}: .{inner.attr}.{node.attr}")
    return found


def _tag_literals(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant) and str(first.value).startswith("moai."):
                found.append(f"line {node.lineno}: f-string {first.value!r}...")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if TAG_KEY.fullmatch(node.value):
                found.append(f"line {node.lineno}: {node.value!r}")
    return found


def test_no_module_outside_tracking_touches_mlflows_run_or_client():
    offenders = {
        module: uses
        for module, tree in _modules(skip=TRACKING).items()
        if (uses := _client_uses(tree))
    }
    assert offenders == {}


def test_the_seam_check_sees_a_run_read_the_mlflow_way():
    sample = ast.parse(
        "from mlflow import MlflowClient\n"
        "def f(store, run):\n"
        "    return run.data.tags, run.info.run_id, store.client\n"
    )
    assert len(_client_uses(sample)) == 4


def test_every_moai_tag_key_is_spelled_only_in_tags_py():
    offenders = {
        module: keys
        for module, tree in _modules().items()
        if module != str(TAGS.relative_to(ROOT))
        if (keys := _tag_literals(tree))
    }
    assert offenders == {}


def test_the_tag_key_check_sees_a_key_written_by_hand():
    sample = ast.parse(
        'tags = {"moai.spec_id": spec, f"moai.{name}": 1}\ndoc = "moai.kind is a tag"'
    )
    assert len(_tag_literals(sample)) == 2
