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
