"""A text REGRESSION SPEC through the TDD cycle (issue 24): support tickets' free text (a column of
a hostile name) predicting the hours to resolve them. RED's generated tests add a raw string that
gets a finite number of the target's order from the saved model, and the holdout gate is the
SPEC's MAE; GREEN (through the `ml_tdd_green` tool, with the family's params) reads the text
through TF-IDF and passes them. The text networks classify only: asked to regress, GREEN refuses
in one line naming the table family that does."""

from __future__ import annotations

from typing import Any

import pytest

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.tdd import phases as tdd
from tests.support import inprocess_client, structured
from tests.text_support import resolution_hours

# RED's and GREEN's pytest runs of the generated tests: ~10 s of CPU
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("text_regression_tdd")]

TEXT = "tic\"ket\n{{ body }} '; import os"
TARGET = "hou'rs {% raw %}"
RAW_NUMBER_TEST = "test_a_raw_string_gets_a_finite_number_from_the_saved_model"
FIELDS: dict[str, Any] = {
    "spec_id": "TXT-003",
    "dataset": "data/tickets.csv",
    "target": TARGET,
    "task": "regression",
    "metric": "mae",
    "threshold": 20.0,  # hours; predicting the mean is off by about 27
    "cv_folds": 3,
    "candidates": ["ridge", "hist_gradient_boosting"],
}


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def cycle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("text regression")
    (root / "data").mkdir()
    frame = resolution_hours(300, seed=2).rename(columns={"text": TEXT, "hours": TARGET})
    frame.to_csv(root / "data/tickets.csv", index=False)
    async with inprocess_client(root) as client:
        red = structured(await client.call_tool("ml_tdd_red", {"fields": FIELDS}))
        arguments = {"fields": FIELDS, "model": "ridge", "params": {"alpha": 0.5}}
        green = structured(await client.call_tool("ml_tdd_green", arguments))
    pipeline = (root / "src/ml_project/txt_003/pipeline.py").read_text(encoding="utf-8")
    return {"root": root, "red": red, "green": green, "pipeline": pipeline}


@pytest.mark.anyio
async def test_red_adds_a_raw_string_that_must_get_a_number_and_gates_the_spec_s_mae(cycle):
    red = cycle["red"]
    names = [t["name"] for t in red["tests"]]
    assert red["red_confirmed"] and all(t["status"] != "passed" for t in red["tests"])
    assert RAW_NUMBER_TEST in names
    assert "test_a_raw_string_is_labelled_by_the_saved_model" not in names
    assert "test_the_primary_metric_reaches_the_threshold_on_the_holdout" in names


@pytest.mark.anyio
async def test_green_reads_the_text_through_tfidf_and_passes_every_generated_test(cycle):
    green = cycle["green"]
    failing = [t for t in green["tests"] if t["status"] != "passed"]
    assert green["green"] and not failing, failing
    assert RAW_NUMBER_TEST in {t["name"] for t in green["tests"]}
    (mae,) = [g for g in green["metrics"] if g["name"] == "mae"]
    print(f"GREEN ridge on TF-IDF: holdout mae {mae['value']} h (gate <= 20)")
    assert mae["passed"] and mae["value"] <= 20.0
    assert green["model"] == "ridge" and green["params"] == {"alpha": 0.5}
    pipeline = cycle["pipeline"]
    assert '"alpha": 0.5' in pipeline and "TfidfVectorizer" in pipeline


@pytest.mark.anyio
async def test_a_text_network_asked_to_regress_is_refused_naming_the_tfidf_family(cycle):
    ws = Workspace(cycle["root"])
    for family in ("text_transformer", "text_pretrained"):
        with pytest.raises(MoaiMlError, match="does not predict a number: pass model='ridge'"):
            tdd.green(ws, tdd.load(ws, None, FIELDS, "ml_project"), family, overwrite=True)
