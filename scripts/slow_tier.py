"""Write tests/slow_tier.txt from a pytest `--durations=0` log: the tests of `make check`'s tier
(neither `slow` nor `external`) that took at least THRESHOLD seconds (call + setup + teardown),
slowest first. tests/conftest.py marks them `slow`, so `make check` stays under its 4 minutes
and `make test` still runs them. Regenerate after the suite grows:

    .venv/bin/python -m pytest -n 2 --dist loadgroup -q -m "not slow and not external" \\
        --durations=0 tests > /tmp/check.log
    .venv/bin/python scripts/slow_tier.py /tmp/check.log

The figures are what that run measured on its machine; a shared machine under load measures
more, so the threshold is a judgement, written at the top of the file with the date."""

from __future__ import annotations

import re
import sys
import time
from collections import defaultdict
from pathlib import Path

THRESHOLD_S = 4.0
LINE = re.compile(r"^\s*([0-9.]+)s (call|setup|teardown)\s+(\S+)")
OUT = Path(__file__).resolve().parent.parent / "tests" / "slow_tier.txt"


def durations(log: str) -> dict[str, float]:
    """Seconds per test (call + setup + teardown), with a shared fixture's setup charged to its
    whole module: pytest charges a module- or session-scoped fixture to whichever test ran
    first, and moving only that test would hand the cost to the next one."""
    per_test: dict[str, float] = defaultdict(float)
    setups: dict[str, float] = {}
    for line in log.splitlines():
        found = LINE.match(line)
        if found:
            per_test[found.group(3)] += float(found.group(1))
            if found.group(2) == "setup":
                setups[found.group(3)] = float(found.group(1))
    for tests in _modules(per_test).values():
        shared = [test for test in tests if setups.get(test, 0.0) >= THRESHOLD_S]
        if len(shared) == 1 and len(tests) > 1:  # one big setup: a fixture the module shares
            for test in tests:
                per_test[test] = max(per_test[test], setups[shared[0]])
    return per_test


def _modules(per_test: dict[str, float]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for test in per_test:
        found[test.partition("::")[0]].append(test)
    return found


def _kept_by_hand() -> list[str]:
    """Lines written by hand (their comment says why, not a duration): a test that reads what
    its module's slow tests wrote goes where they go, whatever it measured."""
    if not OUT.exists():
        return []
    kept = []
    for line in OUT.read_text(encoding="utf-8").splitlines():
        test, _, why = line.partition("#")
        if test.strip() and not line.startswith("#") and not why.strip().endswith(" s"):
            kept.append(line)
    return kept


def main(path: str) -> None:
    per_test = durations(Path(path).read_text(encoding="utf-8", errors="replace"))
    slow = sorted((s, t) for t, s in per_test.items() if s >= THRESHOLD_S)
    kept = sum(s for s in per_test.values() if s < THRESHOLD_S)
    head = [
        f"# make check's tier without these: tests of at least {THRESHOLD_S:g} s measured "
        f"{time.strftime('%Y-%m-%d')} (scripts/slow_tier.py); {len(slow)} moved to `make test`, "
        f"{kept:.0f} s of tests kept",
    ]
    lines = [f"{test}  # {s:.1f} s" for s, test in reversed(slow)]
    lines += _kept_by_hand()
    OUT.write_text("\n".join(head + lines) + "\n", encoding="utf-8")
    print(f"{len(slow)} tests listed in {OUT}; {kept:.0f} s kept in make check's tier")


if __name__ == "__main__":
    main(sys.argv[1])
