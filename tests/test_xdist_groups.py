"""The workers of `make test` keep each xdist group together (tests/xdist_groups.py): every group
mark is a module's `pytestmark`, where the controller reads it, and the modules that share a
fixture-heavy group are one work unit."""

from __future__ import annotations

import ast

from tests.support import ROOT
from tests.xdist_groups import module_group, module_groups


def test_every_xdist_group_mark_is_in_a_modules_pytestmark_where_the_scheduler_reads_it():
    stray = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "xdist_group"
        ]
        if calls and (len(calls) != 1 or module_group(path) is None):
            stray.append(path.relative_to(ROOT).as_posix())
    assert stray == []
    assert len(module_groups(ROOT)) >= 30  # the marks are found at all


def test_modules_of_one_group_are_one_work_unit_and_other_tests_are_their_own():
    from tests.xdist_groups import GroupScheduling

    groups = module_groups(ROOT)
    assert groups["tests/fidelity/test_verdicts.py"] == "fidelity_verdicts"
    assert groups["tests/fidelity/test_verdict_matrix.py"] == "fidelity_verdicts"
    assert "tests/test_settings.py" not in groups
    split = GroupScheduling._split_scope
    scheduler = type("Bare", (), {"groups": groups})()
    matrix = "tests/fidelity/test_verdict_matrix.py::test_ml_list_runs_shows_each_run_as_recorded"
    verdicts = "tests/fidelity/test_verdicts.py::test_metric_names_accept_the_spec_name"
    alone = "tests/test_settings.py::test_the_readme_lists_every_setting"
    assert split(scheduler, matrix) == split(scheduler, verdicts) == "@fidelity_verdicts"  # type: ignore[arg-type]
    assert split(scheduler, alone) == alone  # type: ignore[arg-type]


def test_the_longest_work_units_are_handed_out_first_by_the_measured_seconds():
    from tests.xdist_groups import DURATIONS, longest_first, read_seconds

    queue = {
        "tests/a.py::test_quick": {"tests/a.py::test_quick": False},
        "@grouped": {"tests/g.py::test_one": False, "tests/g.py::test_two": False},
        "tests/b.py::test_long": {"tests/b.py::test_long": False},
        "tests/c.py::test_unknown": {"tests/c.py::test_unknown": False},
    }
    seconds = {"tests/a.py::test_quick": 0.2, "tests/b.py::test_long": 90.0}
    seconds |= {"tests/g.py::test_one": 30.0, "tests/g.py::test_two": 40.0}
    assert longest_first(queue, seconds) == [
        "tests/b.py::test_long",
        "@grouped",
        "tests/c.py::test_unknown",  # 1 s when no file measured it
        "tests/a.py::test_quick",
    ]
    measured = {test: s for path in DURATIONS for test, s in read_seconds(path).items()}
    assert len(measured) >= 100 and min(measured.values()) > 0  # both files read
    assert (
        measured[
            "tests/fuzz/test_fuzz_tools.py::test_every_tool_survives_schema_fuzzing_and_the_hostile_corpus"
        ]
        > 20  # the full run's figure (44.9 s), not the 1 s of a test no file measured
    )
