"""The TDD cycle's GREEN with `text_pretrained` (issue 24): fine-tuning a tiny BERT the test builds
and `save_pretrained`s into a folder of a hostile name (spaces, quotes; nothing is downloaded). The
checkpoint is GREEN's `params`, rendered into the generated pipeline's MODEL_PARAMS as a literal,
and the pipeline, its copied modules and its 16 generated tests load it and pass."""

from __future__ import annotations

import ast
import time
from typing import Any

import pytest

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.tdd import phases as tdd
from tests.text_support import support_tickets

pytest.importorskip("transformers")
# a tiny BERT fitted by the pipeline and by the generated tests' own fixture: ~30 s of CPU
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("text_pretrained")]

TEXT = "tic\"ket\n{{ body }} '; import os"
TARGET = "que'ue {% raw %}"
FOLDER = 'tiny bert "quoted" it\'s {{ x }}'
QUICK = {"max_epochs": 4, "patience": 2, "batch_size": 16, "max_length": 32, "learning_rate": 2e-3}
FIELDS: dict[str, Any] = {
    "spec_id": "TXT-002",
    "title": "Route tickets with a fine-tuned checkpoint",
    "dataset": "data/tickets.csv",
    "target": TARGET,
    "metric": "f1_macro",
    # What this file proves is the checkpoint's way into the cycle, not a tiny model's quality: a
    # 1-layer, 16-wide BERT of random weights, fitted for seconds, reads these five queues at
    # f1_macro 0.23-0.37 from run to run (chance 0.2); the gate sits under that spread and over
    # the majority-class baseline's 0.07 (text quality: test_text_tdd.py, 0.73)
    "threshold": 0.15,
    "cv_folds": 2,
    "candidates": ["text_pretrained"],
}


@pytest.fixture(scope="module")
def green(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from tests.modeling.test_text_pretrained import tiny_bert

    root = tmp_path_factory.mktemp("pretrained tdd")
    frame = support_tickets(300, seed=4)
    checkpoint = tiny_bert(root / FOLDER, list(frame["text"]))
    (root / "data").mkdir()
    table = frame.rename(columns={"text": TEXT, "queue": TARGET})
    table.to_csv(root / "data/tickets.csv", index=False)
    ws = Workspace(root)
    tdd.red(ws, tdd.load(ws, None, FIELDS, "mlproj"))
    params = {"checkpoint": checkpoint, **QUICK}
    started = time.perf_counter()
    result = tdd.green(ws, tdd.load(ws, None, FIELDS, "mlproj"), "text_pretrained", params=params)
    pipeline = (root / "src/mlproj/txt_002/pipeline.py").read_text(encoding="utf-8")
    return {
        "ws": ws,
        "root": root,
        "checkpoint": checkpoint,
        "result": result,
        "pipeline": pipeline,
        "seconds": time.perf_counter() - started,
    }


def _model_params(pipeline: str) -> dict[str, Any]:
    tree = ast.parse(pipeline)
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "MODEL_PARAMS":
            assert node.value is not None
            value: dict[str, Any] = ast.literal_eval(node.value)
            return value
    raise AssertionError("no MODEL_PARAMS in the generated pipeline")


def test_green_fine_tunes_a_local_checkpoint_and_passes_every_generated_test(green):
    result = green["result"]
    failing = [(t.name, t.status, t.detail[-300:]) for t in result.tests if t.status != "passed"]
    assert result.ok and not failing, (result.problems, failing)
    assert result.model == "text_pretrained" and len(result.tests) == 16
    assert "test_a_raw_string_is_labelled_by_the_saved_model" in {t.name for t in result.tests}
    (f1,) = [g for g in result.metrics if g.name == "f1_macro"]
    print(f"GREEN text_pretrained: holdout f1_macro {f1.value} in {green['seconds']:.1f} s")
    assert f1.passed and f1.value >= FIELDS["threshold"]
    assert result.params["checkpoint"] == green["checkpoint"]


def test_the_hostile_checkpoint_path_reaches_the_generated_pipeline_as_a_literal(green):
    pipeline = green["pipeline"]
    assert 'MODEL_NAME = "text_pretrained"' in pipeline
    params = _model_params(pipeline)  # a literal: the quotes and braces did not break out
    assert params["checkpoint"] == green["checkpoint"] and "{{" in params["checkpoint"]
    assert {k: params[k] for k in QUICK} == QUICK
    copied = green["root"] / "src/mlproj/txt_002"
    assert (copied / "text_pretrained.py").is_file() and (copied / "pretrained.py").is_file()
    assert "mcp_server" not in (copied / "text_pretrained.py").read_text(encoding="utf-8")


def test_green_refuses_invalid_params_and_a_text_family_on_a_table_without_text(green):
    ws = green["ws"]
    prep = tdd.load(ws, None, FIELDS, "mlproj")
    with pytest.raises(MoaiMlError, match="invalid params for text_pretrained"):
        tdd.green(ws, prep, "text_pretrained", overwrite=True, params={"max_length": 1})
    numbers = green["root"] / "data/numbers.csv"
    numbers.write_text("a,b,y\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(60)))
    fields = {**FIELDS, "spec_id": "NUM-001", "dataset": "data/numbers.csv", "target": "y"}
    tdd.red(ws, tdd.load(ws, None, fields, "mlproj"))
    with pytest.raises(MoaiMlError, match="reads a free-text column and this table has none"):
        tdd.green(ws, tdd.load(ws, None, fields, "mlproj"), "text_pretrained", params=QUICK)
