"""The TDD cycle on a text SPEC (issue 24): a table of support tickets with a free-text column of a
hostile name. RED's 16 generated tests (a table's 15, no secondary gate, plus a raw string labelled
by the saved model) fail for the missing pipeline; GREEN with `text_transformer` builds the network
as `ml_train` does (the raw text column in, its own tokenizer, no TF-IDF in front) and passes every
one; REFACTOR cross-validates it against the TF-IDF baseline and keeps a winner only if the pinned
tests pass."""

from __future__ import annotations

from typing import Any

import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tdd import phases as tdd
from mcp_server.ml.tdd.refactor import refactor
from tests.text_support import support_tickets

pytest.importorskip("tokenizers")
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("text_tdd")]

TEXT = "tic\"ket\n{{ body }} '; import os"
TARGET = "que'ue {% raw %}"
RAW_STRING_TEST = "test_a_raw_string_is_labelled_by_the_saved_model"
FIELDS: dict[str, Any] = {
    "spec_id": "TXT-001",
    "title": 'Route tickets """ {{ title }} \\x00',
    "dataset": "data/tickets.csv",
    "target": TARGET,
    "metric": "f1_macro",
    "threshold": 0.5,
    "cv_folds": 3,
    "candidates": ["text_transformer", "logistic_regression"],
}


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("text_tdd")
    frame = support_tickets(300, seed=3).rename(columns={"text": TEXT, "queue": TARGET})
    (root / "data").mkdir()
    frame.to_csv(root / "data/tickets.csv", index=False)
    ws = Workspace(root)
    red = tdd.red(ws, tdd.load(ws, None, FIELDS, "mlproj"))
    green = tdd.green(ws, tdd.load(ws, None, FIELDS, "mlproj"), model="text_transformer")
    pipeline = (root / "src/mlproj/txt_001/pipeline.py").read_text(encoding="utf-8")
    return {"root": root, "ws": ws, "red": red, "green": green, "pipeline": pipeline}


def test_red_fails_every_generated_test_of_a_text_spec_for_the_missing_pipeline(cycle):
    red = cycle["red"]
    assert red.ok, red.problems
    assert RAW_STRING_TEST in {t.name for t in red.tests}
    assert len(red.tests) == 16 and all(t.status != "passed" for t in red.tests)


def test_green_with_the_text_transformer_passes_every_generated_test_on_the_raw_text(cycle):
    green = cycle["green"]
    failing = [(t.name, t.status, t.detail[-300:]) for t in green.tests if t.status != "passed"]
    assert green.ok and not failing, (green.problems, failing)
    assert green.model == "text_transformer" and len(green.tests) == 16
    names = {t.name for t in green.tests}
    assert {
        RAW_STRING_TEST,
        "test_the_primary_metric_reaches_the_threshold_on_the_holdout",
        "test_the_saved_model_predicts_the_same_after_reload",
        "test_the_target_holds_the_expected_values",
        "test_the_pipeline_reads_the_required_columns_with_their_kinds",
    } <= names
    (f1,) = [g for g in green.metrics if g.name == "f1_macro"]
    assert f1.passed and f1.value >= 0.5  # five queues: chance is 0.2
    pipeline = cycle["pipeline"]
    assert 'MODEL_NAME = "text_transformer"' in pipeline
    assert "model.set_params(text_column=TEXT[0])" in pipeline
    assert (cycle["root"] / "src/mlproj/txt_001/text_transformer.py").is_file()


def test_refactor_compares_the_text_network_with_the_tfidf_baseline_and_keeps_a_passing_pipeline(
    cycle,
):
    ws = cycle["ws"]
    result = refactor(ws, tdd.load(ws, None, FIELDS, "mlproj"))
    board = {row["model"]: row["cv_mean"] for row in result.cv_results}
    assert set(board) == {"text_transformer", "logistic_regression"}
    assert all(0.2 < score <= 1.0 for score in board.values()), board
    assert result.ok and all(t.status == "passed" for t in result.tests), result.warnings
    assert result.model in board
    kept = (cycle["root"] / "src/mlproj/txt_001/pipeline.py").read_text(encoding="utf-8")
    assert f'MODEL_NAME = "{result.model}"' in kept
