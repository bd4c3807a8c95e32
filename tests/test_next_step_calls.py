"""The check every recorded next_step goes through at the end of a run (conftest) refuses what
the server would refuse: an unknown tool, an unknown or missing argument, a value out of range."""

from __future__ import annotations

import pytest

from tests.next_step_calls import calls, problems, tool_schemas


@pytest.fixture(scope="module")
def schemas() -> dict[str, dict[str, object]]:
    return tool_schemas()


def test_a_step_is_parsed_into_each_call_it_names_with_json_literals():
    step = "ml_tune(spec_path='ML-002', background=true) then ml_tdd_refactor(spec_id='ML-002')"
    assert calls(step) == [
        ("ml_tune", {"spec_path": "ML-002", "background": True}),
        ("ml_tdd_refactor", {"spec_id": "ML-002"}),
    ]


def test_a_step_the_tools_accept_has_no_problem(schemas):
    assert (
        problems("ml_evaluate(run_id='abc') for plots, then ml_promote its version", schemas) == []
    )
    assert problems("ml_tune(spec_path='ML-002', background=true) tunes", schemas) == []


def test_a_step_naming_what_the_tools_refuse_is_caught(schemas):
    assert "no tool ml_fly" in problems("ml_fly(run_id='a')", schemas)[0]
    assert (
        "'n_folds'"
        in problems("ml_compare_models(data_path='d.csv', target='y', n_folds=3)", schemas)[0]
    )
    assert "'run_id' is a required" in problems("ml_generate_serving()", schemas)[0]
    assert (
        "99"
        in problems("ml_compare_models(data_path='d.csv', target='y', cv_folds=99)", schemas)[0]
    )
    assert "not a call as written" in problems("ml_train(data_path=<your table>)", schemas)[0]
