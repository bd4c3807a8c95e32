"""Generated code is proven by running it: render, parse, ruff, import, then pytest red and green.

The hostile table has column names with quotes, spaces, unicode, a Python keyword, Jinja markers
and `"); import os #`, and labels just as odd. What was rendered must still parse, lint and
behave, and make exactly the same preprocessing and estimator choices as the domain layer.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mcp_server.files.render import render
from mcp_server.files.workspace import Workspace
from mcp_server.ml.modeling.catalog import get_spec
from mcp_server.ml.modeling.estimators import make_estimator
from mcp_server.ml.modeling.preprocess import build_preprocessor, coerce_frame
from mcp_server.ml.tdd import phases as tdd
from mcp_server.ml.tdd.context import selection_context, transformer_columns

ROOT = Path(__file__).resolve().parents[2]
RUFF = [
    str(ROOT / ".venv/bin/ruff"),
    "check",
    "--isolated",
    "--line-length",
    "120",
    "--target-version",
    "py311",
    "--select",
    "E,F,W,I,B,UP,C90",
]
LABELS = ['"); import os #', 'it\'s "odd"', "ünï {{ x }}"]
ALLOWED_IMPORTS = {
    "__future__",
    "importlib",
    "json",
    "os",
    "sys",
    "time",
    "pathlib",
    "types",
    "numpy",
    "pandas",
    "pytest",
    "sklearn",
    "argparse",
    "hashlib",
    "typing",
    "joblib",
}
ODD = {
    "num": 'it\'s "quoted"',
    "space": "with space and ü",
    "keyword": "class",
    "inject": '"); import os #',
    "jinja": "{{ evil }} {% if %}",
    "cat": "catégorie/$",
    "date": "signup date",
    "text": "notes ✍ (free text)",
}
WORDS = [
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "lazy",
    "dog",
    "while",
    "customers",
    "call",
    "twice",
]


def hostile_table(rows: int = 240, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 3, rows)
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(10_000, 10_000 + rows),
            ODD["num"]: label * 2.0 + rng.normal(0, 0.6, rows),
            ODD["space"]: rng.normal(size=rows),
            ODD["keyword"]: rng.integers(0, 50, rows).astype(float),
            ODD["inject"]: rng.choice(["a", "b", "c"], rows),
            ODD["jinja"]: rng.choice(["x'y", 'q"z', "None"], rows),
            ODD["cat"]: [
                ["rouge", "vert", "bleu"][v] if rng.random() > 0.2 else None for v in label
            ],
            ODD["date"]: pd.date_range("2024-01-01", periods=rows, freq="D").strftime("%Y-%m-%d"),
            ODD["text"]: [
                " ".join(rng.choice(WORDS, 8)) if rng.random() > 0.1 else None for _ in range(rows)
            ],
            "label": [LABELS[v] for v in label],
        }
    )
    frame.loc[::17, ODD["space"]] = np.nan
    return frame


def hostile_spec(tmp_path: Path, **fields: object) -> tuple[Workspace, tdd.SpecData]:
    """The hostile table under data/odd.csv and a SPEC over it (`fields` override the defaults; None
    removes one)."""
    (tmp_path / "data").mkdir()
    hostile_table().to_csv(tmp_path / "data/odd.csv", index=False)
    ws = Workspace(tmp_path)
    spec = {
        "spec_id": "ODD-7",
        "dataset": "data/odd.csv",
        "target": "label",
        "metric": "accuracy",
        "threshold": 0.6,
        "secondary": {"f1_macro": 0.5},
        "cv_folds": 3,
        "baseline_margin": 0.1,
        "candidates": ["logistic_regression", "random_forest"],
        "drop": [ODD["keyword"]],
        "max_latency_ms": 500,
        "max_model_mb": 20,
        **fields,
    }
    return ws, tdd.load(ws, None, {k: v for k, v in spec.items() if v is not None}, "odd_pkg")


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Workspace, tdd.SpecData]:
    return hostile_spec(tmp_path)


def _import(src: Path, name: str):  # type: ignore[no-untyped-def]
    """The generated module by its package name (it imports `.labels` beside it), freshly."""
    top = name.partition(".")[0]
    for loaded in [m for m in sys.modules if m == top or m.startswith(top + ".")]:
        del sys.modules[loaded]
    sys.path.insert(0, str(src))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(src))


def _ruff(*paths: Path) -> None:
    """The project's rules, then ruff's own default rule set (a user's project may have no
    config)."""
    defaults = [str(ROOT / ".venv/bin/ruff"), "check", "--isolated", "--no-cache"]
    for command in (RUFF, defaults):
        done = subprocess.run(
            [*command, *map(str, paths)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr


def _function_lengths(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.end_lineno - n.lineno + 1 for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]  # type: ignore[operator]


@pytest.mark.slow
def test_a_hostile_table_yields_code_that_parses_lints_and_goes_red_then_green(hostile):
    ws, prep = hostile
    red = tdd.red(ws, prep)
    assert red.ok, red.problems
    assert all(t.status in ("failed", "error") for t in red.tests) and len(red.tests) >= 11
    green = tdd.green(ws, prep)
    assert green.ok, [(t.name, t.reason) for t in green.tests if t.status != "passed"]
    assert {g.name for g in green.metrics} == {"accuracy", "f1_macro"} and all(
        g.passed for g in green.metrics
    )
    generated = [
        ws.root / p for p in (prep.paths["test"], prep.paths["conftest"], prep.paths["pipeline"])
    ]
    _ruff(*generated)
    for path in generated:
        text = path.read_text(encoding="utf-8")
        compile(text, str(path), "exec")
        assert len(text.splitlines()) <= 300 and max(_function_lengths(path)) <= 50
        tree = ast.parse(text)
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {
            n.module or "." for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.level
        }
        assert all(m.split(".")[0] in ALLOWED_IMPORTS for m in imported), imported
        relative = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level}
        # the saved model's wrapper and the product's split, written beside the pipeline
        assert relative <= {"labels", "splits"}, relative
    strings = {
        n.value
        for n in ast.walk(ast.parse(generated[2].read_text(encoding="utf-8")))
        if isinstance(n, ast.Constant)
    }
    assert (
        set(ODD.values()) - {ODD["keyword"]} <= strings and set(LABELS) <= strings
    )  # names stayed data
    assert "# @TEST:ODD-7 | SPEC: " in generated[0].read_text(encoding="utf-8")
    assert "# @CODE:ODD-7 | SPEC: " in generated[2].read_text(encoding="utf-8")
    assert (ws.root / "models/odd_7/model.joblib").is_file()


def test_the_generated_pipeline_makes_the_domain_layers_choices(hostile):
    ws, prep = hostile
    files = tdd.pipeline_files(prep, "logistic_regression", {"C": 0.5}, "test")
    ws.write_files(files)
    module = _import(ws.root / "src", f"{prep.package}.{prep.spec.module}.pipeline")
    generated = module.build_pipeline()
    domain = build_preprocessor(prep.schema, get_spec("logistic_regression").needs_scaling)
    got = [
        (name, list(cols) if isinstance(cols, list) else cols)
        for name, _, cols in generated.steps[0][1].transformers
    ]
    want = [
        (name, list(cols) if isinstance(cols, list) else cols)
        for name, _, cols in domain.transformers
    ]
    assert got == want
    assert [name for name, *_ in got] == ["numeric", "categorical", "datetime", "text_0"]
    lists = transformer_columns(prep.schema)
    assert module.NUMERIC == lists["numeric"] and module.CATEGORICAL == lists["categorical"]
    assert (
        ODD["keyword"] not in module.FEATURES and "customer_id" not in module.FEATURES
    )  # SPEC drop, identifier
    want_model = make_estimator(
        "logistic_regression", prep.spec.task, {"C": 0.5}, prep.spec.seed
    ).get_params()
    assert generated.steps[1][1].get_params() == want_model
    for (_, g, _), (_, d, _) in zip(
        generated.steps[0][1].transformers, domain.transformers, strict=True
    ):
        assert re.sub(r" at 0x[0-9a-f]+", "", repr(g)) == re.sub(
            r" at 0x[0-9a-f]+", "", repr(d)
        )  # same settings
    frame = hostile_table(30, seed=1)
    pd.testing.assert_frame_equal(module.coerce(frame), coerce_frame(frame, prep.schema))


@pytest.mark.slow
def test_rerunning_red_keeps_a_person_s_edits_and_names_tests_that_prove_nothing(hostile):
    ws, prep = hostile
    first = tdd.red(ws, prep)
    assert set(first.files_written) == {prep.paths["test"], prep.paths["conftest"]}
    test_file = ws.root / prep.paths["test"]
    extra = (
        "\n\ndef test_without_the_pipeline():\n    assert True\n\n\ndef "
        "test_bad_fixture(p1):\n    pass\n"
    )
    test_file.write_text(test_file.read_text(encoding="utf-8") + extra, encoding="utf-8")
    edited = tdd.red(ws, prep)
    assert edited.files_skipped == [prep.paths["test"]] and edited.files_unchanged == [
        prep.paths["conftest"]
    ]
    assert not edited.ok
    named = " ".join(edited.problems)
    assert "test_without_the_pipeline: passed without the pipeline" in named
    assert (
        "test_bad_fixture: failed for another reason" in named and "fixture 'p1' not found" in named
    )
    forced = tdd.red(ws, prep, overwrite=True)
    assert forced.files_written == [prep.paths["test"]] and forced.ok


def test_green_refuses_to_run_before_the_tests_exist(hostile):
    ws, prep = hostile
    with pytest.raises(Exception, match=r"tests come first\. Run ml_tdd_red"):
        tdd.green(ws, prep)
    assert not (ws.root / "src").exists()


def test_many_candidates_from_one_module_render_a_wrapped_import_that_lints_and_imports(workspace):
    many = [
        "random_forest",
        "extra_trees",
        "gradient_boosting",
        "hist_gradient_boosting",
        "knn",
        "svm",
    ]
    prep = tdd.load(workspace, "ML-001", {"candidates": many}, "ml_project")
    workspace.write_files(tdd.pipeline_files(prep, "random_forest", None, "test"))
    workspace.write_files(
        {prep.paths["selection"]: render("tdd/refactor/selection.py.j2", selection_context(prep))}
    )
    selection = workspace.root / prep.paths["selection"]
    text = selection.read_text(encoding="utf-8")
    assert "from sklearn.ensemble import (\n    ExtraTreesClassifier,\n" in text
    _ruff(selection, workspace.root / prep.paths["pipeline"])
    code = "import ml_project.ml_001.selection as s; print(sorted(s.CANDIDATES))"
    env = {**os.environ, "PYTHONPATH": str(workspace.root / "src")}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=workspace.root, env=env, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().strip() == repr(sorted(many))
