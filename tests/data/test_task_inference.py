"""Task inference follows what the target's values are, and says why."""

from __future__ import annotations

import pandas as pd
import pytest

from mcp_server.ml.data.profile import profile_frame, task_choice
from tests.fidelity.tables import visits


@pytest.mark.parametrize("rows", [4000, 15000])
def test_a_count_target_with_59_values_is_regression_on_any_number_of_rows(rows: int):
    frame = visits(rows)
    assert frame["visits"].nunique() == 59
    task, reason = task_choice(frame["visits"])
    assert task == "regression"
    assert "59 distinct integers" in reason and "task='multiclass'" in reason


def test_a_few_integer_codes_are_classes_and_the_profile_says_why():
    frame = pd.DataFrame({"x": range(300), "grade": [3, 7, 11] * 100})
    profile = profile_frame(frame, "grade")
    assert profile.task == "multiclass"
    assert profile.task_reason is not None and "3 distinct integers" in profile.task_reason


def test_the_callers_task_always_wins_and_the_reason_says_so():
    profile = profile_frame(visits(4000), "visits", "multiclass")
    assert (profile.task, profile.task_reason) == ("multiclass", "given by the caller")


def test_fractional_and_string_targets_keep_their_tasks():
    assert task_choice(pd.Series([0.5, 1.25, 2.0, 3.5] * 10))[0] == "regression"
    assert task_choice(pd.Series(["a", "b", "c"] * 10))[0] == "multiclass"
