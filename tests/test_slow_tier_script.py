"""scripts/slow_tier.py: which tests leave `make check`'s tier."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "slow_tier.py"


def _script():
    spec = importlib.util.spec_from_file_location("slow_tier", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_fixture_the_module_shares_is_charged_to_every_test_of_the_module():
    log = "\n".join(
        [
            "55.0s setup    tests/a.py::test_one",
            "1.0s call     tests/a.py::test_one",
            "0.5s call     tests/a.py::test_two",
            "0.1s setup    tests/a.py::test_two",
            "0.2s call     tests/c.py::test_z",
        ]
    )
    seconds = _script().durations(log)
    assert seconds["tests/a.py::test_one"] == 56.0
    assert seconds["tests/a.py::test_two"] == 55.0  # it would pay the setup once test_one moved
    assert seconds["tests/c.py::test_z"] == 0.2


def test_each_test_keeps_its_own_setup_when_several_tests_of_a_module_pay_one():
    log = "\n".join(
        [
            "6.0s setup    tests/b.py::test_x",
            "6.0s setup    tests/b.py::test_y",
            "0.3s call     tests/b.py::test_w",
        ]
    )
    seconds = _script().durations(log)
    assert seconds == {
        "tests/b.py::test_x": 6.0,
        "tests/b.py::test_y": 6.0,
        "tests/b.py::test_w": 0.3,
    }
