"""Every template set renders code that ruff accepts as it is: `ruff check` and `ruff format
--check`, with ruff's own defaults (`--isolated`: a user's project may have no config) and with
the project's config. Rendered from hostile tables (quotes, unicode, Jinja markers, keywords in
names and labels) so data-made literals are held to the same standard as the template text."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mcp_server.ml.export.formats import parity_sample, serialize
from mcp_server.ml.scaffolds.dvc import render_pipeline
from mcp_server.ml.scaffolds.feast import scaffold_feast
from mcp_server.ml.serving.service import render_service
from mcp_server.ml.tdd import phases as tdd
from mcp_server.ml.tdd.context import selection_context, test_context
from mcp_server.render import render
from mcp_server.workspace import Workspace
from tests.serving.test_serving_render import _hostile_info
from tests.support import ROOT
from tests.tdd.test_templates import hostile_table

RUFF = str(Path(sys.executable).parent / "ruff")
CONFIGS = {"defaults": ["--isolated"], "project": ["--config", str(ROOT / "pyproject.toml")]}


def _ruff_clean(files: list[Path]) -> None:
    """ruff check and ruff format --check, with the defaults and the project's config: all clean."""
    assert files and all(f.suffix == ".py" for f in files)
    problems = []
    for label, config in CONFIGS.items():
        for command in (["check", "--no-cache"], ["format", "--check", "--diff", "--no-cache"]):
            done = subprocess.run([RUFF, *command, *config, *map(str, files)], capture_output=True, text=True,
                                  check=False)  # fmt: skip
            if done.returncode != 0:
                problems.append(f"ruff {command[0]} ({label}):\n{done.stdout[-4000:]}{done.stderr[-2000:]}")
    assert not problems, "\n".join(problems)


def _write(files: dict[str, bytes | str], dest: Path) -> list[Path]:
    written = []
    for rel, content in files.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        written.append(path)
    return [p for p in written if p.suffix == ".py"]


@pytest.mark.parametrize("runtime", ["onnx", "joblib"])
def test_the_generated_service_is_ruff_clean_with_the_defaults_and_the_project_config(runtime: str, tmp_path: Path):
    info = _hostile_info()
    data, _ = serialize(info.pipeline, info.schema, info.model_name, runtime, parity_sample(info.schema, None),
                        labelled=False)  # fmt: skip
    _ruff_clean(_write(render_service(info, runtime, data), tmp_path / "svc"))


@pytest.fixture
def hostile_spec(tmp_path: Path) -> tuple[Workspace, tdd.SpecData]:
    (tmp_path / "data").mkdir()
    hostile_table().to_csv(tmp_path / "data/odd.csv", index=False)
    ws = Workspace(tmp_path)
    fields = {"spec_id": "ODD-7", "dataset": "data/odd.csv", "target": "label", "metric": "accuracy",
              "threshold": 0.6, "secondary": {"f1_macro": 0.5}, "cv_folds": 3, "baseline_margin": 0.1,
              "candidates": ["logistic_regression", "random_forest", "extra_trees", "gradient_boosting", "knn"],
              "max_latency_ms": 500, "max_model_mb": 20}  # fmt: skip
    return ws, tdd.load(ws, None, fields, "odd_pkg")


def test_the_tdd_tests_pipeline_and_selection_are_ruff_clean(hostile_spec, tmp_path: Path):
    ws, prep = hostile_spec
    files = {**tdd.render("red", test_context(prep)), **tdd._pipeline_files(prep, "random_forest", {"n_estimators": 30},
                                                                            "test")}  # fmt: skip
    files[prep.paths["selection"]] = render("tdd/refactor/selection.py.j2", selection_context(prep))
    _ruff_clean(_write(files, tmp_path / "out"))


def test_the_dvc_and_feast_scaffolds_are_ruff_clean(hostile_spec, tmp_path: Path):
    ws, prep = hostile_spec
    _, _, files = render_pipeline(prep, "random_forest", {"n_estimators": 30})
    generated = _write(files, tmp_path / "dvc")
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"customer id": np.arange(40) % 10, "snapshot": pd.date_range("2026-01-01", periods=40),
                          'it\'s "odd"': rng.normal(size=40), "ünï {{ x }}": rng.choice(["a", "b"], 40),
                          "flag": rng.integers(0, 2, 40).astype(bool)})  # fmt: skip
    table.to_csv(ws.root / "data/stats.csv", index=False)
    out = scaffold_feast(ws, "data/stats.csv", "customer id", timestamp_column="snapshot")
    generated += [ws.root / f for f in out.files_written if f.endswith(".py")]
    _ruff_clean(generated)
