"""The rendered service is proven by running it: ruff, size limits, import, and its own pytest.

A hostile schema (column names and categories full of quotes, Jinja markers, keywords, pydantic
attribute names, names that collide once made identifiers) must stay data in the generated code.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.data.schema import Feature, Schema
from mcp_server.ml.export.formats import parity_sample, serialize
from mcp_server.ml.export.onnx_parity import synthetic_rows
from mcp_server.ml.modeling.preprocess import build_pipeline, coerce_frame, encode_target
from mcp_server.ml.serving.service import (
    FIELD_LINES_PER_MODULE,
    ModelInfo,
    check_servable,
    field_specs,
    render_service,
)
from tests.export_support import fit
from tests.support import generated_pytest

RUFF = Path(sys.executable).parent / "ruff"
HOSTILE_NAMES = [
    '"; import os #',
    "{{ x }}",
    "model_config",
    "class",
    "a b",
    "a_b",
    "ünï",
    "schema",
    "x'''y\nz",
]
ODD_CATEGORIES = ["it's", 'say "hi"', "{% raw %}", "ü", "Сyrillic а", "tab\there"]


def _hostile_schema() -> Schema:
    features = [
        Feature(HOSTILE_NAMES[0], "numeric", False, minimum=0.0, maximum=10.0),
        Feature(HOSTILE_NAMES[1], "numeric", True, minimum=-5.0, maximum=5.0),
        Feature(HOSTILE_NAMES[2], "categorical", True, categories=ODD_CATEGORIES),
        Feature(HOSTILE_NAMES[3], "boolean", False, categories=["no", "yes"]),
        Feature(HOSTILE_NAMES[4], "numeric", False, integer=True, minimum=1.0, maximum=9.0),
        Feature(HOSTILE_NAMES[5], "numeric", False, minimum=0.0, maximum=1.0),
        Feature(
            HOSTILE_NAMES[6], "categorical", False, categories=[f"v{i}" for i in range(50)]
        ),  # capped: free text
        Feature(HOSTILE_NAMES[7], "numeric", False, minimum=0.0, maximum=1.0),
        Feature(HOSTILE_NAMES[8], "numeric", False, minimum=0.0, maximum=1.0),
    ]
    return Schema("target {{ y }}", "binary", features, {}, classes=["it's no", 'yes "really"'])


def _hostile_info() -> ModelInfo:
    schema = _hostile_schema()
    frame = coerce_frame(synthetic_rows(schema, rows=300, seed=1), schema)
    labels = np.where(frame[HOSTILE_NAMES[0]].fillna(0) > 5, schema.classes[1], schema.classes[0])
    import pandas as pd

    pipeline = build_pipeline(schema, "random_forest", {"n_estimators": 15}, 0)
    pipeline.fit(frame, encode_target(pd.Series(labels), schema))
    return ModelInfo(pipeline, schema, "random_forest", "run'{{0}}", {"roc_auc": 0.91})


def _write(files: dict[str, bytes | str], dest: Path) -> Path:
    for rel, content in files.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return dest


def _check_generated_python(service: Path) -> None:
    lint = subprocess.run(
        [str(RUFF), "check", "--no-cache", "."],
        cwd=service,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    for path in service.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 300, path
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None and node.end_lineno - node.lineno + 1 <= 50, (
                    path,
                    node.name,
                )


def _run_generated_tests(service: Path) -> None:
    run = generated_pytest(service)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "skipped" not in run.stdout


@pytest.mark.parametrize("runtime", ["onnx", "joblib"])
def test_hostile_column_names_stay_data_and_the_generated_service_passes_ruff_and_its_tests(
    runtime: str, tmp_path: Path
) -> None:
    info = _hostile_info()
    fmt = "onnx" if runtime == "onnx" else "joblib"
    data, _ = serialize(
        info.pipeline,
        info.schema,
        info.model_name,
        fmt,
        parity_sample(info.schema, None),
        labelled=False,
    )
    service = _write(render_service(info, runtime, data), tmp_path / "svc")
    _check_generated_python(service)
    fields = (service / "app" / "record_part0.py").read_text(encoding="utf-8")
    constants = {n.value for n in ast.walk(ast.parse(fields)) if isinstance(n, ast.Constant)}
    assert (
        set(HOSTILE_NAMES) <= constants and set(ODD_CATEGORIES) <= constants
    )  # names stayed literals
    attrs = [spec["attr"] for spec in field_specs(info.schema)]
    assert len(set(attrs)) == len(attrs) and "model_config" not in attrs and "schema" not in attrs
    assert json.loads((service / "example.json").read_text(encoding="utf-8")).keys() == set(
        HOSTILE_NAMES
    )
    _run_generated_tests(service)


def test_a_wide_table_is_split_so_every_generated_file_stays_under_300_lines(
    tmp_path: Path,
) -> None:
    features = [
        Feature(f"feature number {i}", "numeric", i % 2 == 0, minimum=0.0, maximum=1.0)
        for i in range(320)
    ]
    schema = Schema("y", "regression", features, {})
    frame = coerce_frame(synthetic_rows(schema, rows=60), schema)
    pipeline = build_pipeline(schema, "ridge", None, 0).fit(
        frame, frame.iloc[:, 1].fillna(0).to_numpy()
    )
    info = ModelInfo(pipeline, schema, "ridge", "wide", {})
    data, _ = serialize(
        pipeline, schema, "ridge", "onnx", parity_sample(schema, None), labelled=False
    )
    service = _write(render_service(info, "onnx", data), tmp_path / "wide")
    assert (
        len(list((service / "app").glob("record_part*.py")))
        == -(-320 * 6 // FIELD_LINES_PER_MODULE)
        > 1
    )
    _check_generated_python(service)
    _run_generated_tests(service)


def test_serving_refuses_what_a_self_contained_service_cannot_run() -> None:
    fitted = fit("binary", "logistic_regression")
    info = ModelInfo(fitted.pipeline, fitted.schema, "logistic_regression", "r", {})
    with pytest.raises(MoaiMlError, match="unknown runtime"):
        render_service(info, "tensorflow", b"")
    dated = Schema("y", "binary", [Feature("when", "datetime", False)], {}, classes=[0, 1])
    with pytest.raises(MoaiMlError, match="runtime='joblib'"):
        render_service(ModelInfo(None, dated, "random_forest", "r", {}), "onnx", b"")
    # Free text: ONNX's ASCII tokenizer cannot match scikit-learn's; the refusal names the runtime
    # that serves it, and that runtime accepts it (no loop between two refusals).
    texted = Schema("y", "binary", [Feature("note", "text", False)], {}, classes=[0, 1])
    with pytest.raises(MoaiMlError, match=r"free-text column\(s\) 'note'.*ASCII.*runtime='joblib'"):
        check_servable(texted, "onnx")
    check_servable(texted, "joblib")
