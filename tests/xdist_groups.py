"""`--dist loadgroup` as pytest-xdist documents it, whatever the pytest version: the tests of
modules marked `pytest.mark.xdist_group("name")` run on one worker, in order, so a module-scoped
fixture (a trained project, a matrix of runs, a server) is built once per run instead of once per
worker; every other test is scheduled on its own.

xdist 3.8 marks a group by appending `@name` to each item's `_nodeid` in the worker, and
pytest 9 no longer reads `_nodeid` (a node's id is `_id`): the suffix is lost and `loadgroup`
silently behaves as `load` (tests/fidelity/test_verdicts.py's module fixture was built on both
workers). The controller, which sees node ids only, groups them here from the test modules' own
`pytestmark` (tests/test_xdist_groups.py holds every group mark there), through xdist's public
`pytest_xdist_make_scheduler` hook (tests/conftest.py).

Work units are handed out longest first, by the seconds a full run measured (tests/durations.txt,
scripts/test_durations.py; tests/slow_tier.txt's figures; 1 s for a test neither lists): xdist's
own order (most tests first, then collection order) handed out 2-minute single tests last, and
one worker ran them alone while the other had finished."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from xdist.scheduler import LoadScopeScheduling

TESTS = Path(__file__).resolve().parent
DURATIONS = (TESTS / "slow_tier.txt", TESTS / "durations.txt")  # the later file wins
UNKNOWN_S = 1.0


def _group_of(call: ast.AST) -> str | None:
    """`pytest.mark.xdist_group("name")` -> "name"."""
    if (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "xdist_group"
        and call.args
        and isinstance(call.args[0], ast.Constant)
    ):
        return str(call.args[0].value)
    return None


def module_group(path: Path) -> str | None:
    """The group a test module's `pytestmark` names, or None."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in statement.targets
        ):
            for node in ast.walk(statement.value):
                group = _group_of(node)
                if group is not None:
                    return group
    return None


def module_groups(root: Path) -> dict[str, str]:
    """Test module path relative to `root` (as in node ids) -> its xdist group."""
    groups = {}
    for path in sorted((root / "tests").rglob("test_*.py")):
        group = module_group(path)
        if group is not None:
            groups[path.relative_to(root).as_posix()] = group
    return groups


def read_seconds(path: Path) -> dict[str, float]:
    """nodeid -> seconds of a durations file (lines `nodeid  # 12.3 s`)."""
    found = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            test, _, seconds = line.partition("#")
            if test.strip() and not line.startswith("#") and seconds.strip().endswith(" s"):
                found[test.strip()] = float(seconds.strip()[:-2])
    return found


def longest_first(workqueue: dict[str, dict[str, bool]], seconds: dict[str, float]) -> list[str]:
    """The work units' scopes, the longest (summed known seconds of its tests) first; ties keep
    their order."""
    cost = {
        scope: sum(seconds.get(t, UNKNOWN_S) for t in unit) for scope, unit in workqueue.items()
    }
    return sorted(workqueue, key=lambda scope: -cost[scope])


class GroupScheduling(LoadScopeScheduling):
    """One work unit per group of marked modules, one per test elsewhere (xdist's loadgroup)."""

    def __init__(self, config: Any, log: Any = None) -> None:
        super().__init__(config, log)
        self.groups = module_groups(Path(config.rootpath))
        self.seconds: dict[str, float] = {}
        for path in DURATIONS:
            self.seconds.update(read_seconds(path))
        self.ordered = False

    def _assign_work_unit(self, node: Any) -> None:
        if not self.ordered:  # the queue is complete at the first hand-out (xdist's schedule())
            for scope in longest_first(self.workqueue, self.seconds):
                self.workqueue.move_to_end(scope)
            self.ordered = True
        super()._assign_work_unit(node)

    def _split_scope(self, nodeid: str) -> str:
        group = self.groups.get(nodeid.split("::", 1)[0])
        return f"@{group}" if group is not None else nodeid
