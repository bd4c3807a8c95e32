"""Write tests/durations.txt from `make test`'s log (its `--durations=200` table): the seconds each
of the suite's longest tests took (call + setup + teardown, a module fixture's setup charged to
its module as scripts/slow_tier.py does). `--dist loadgroup` hands the longest work units out
first (tests/xdist_groups.py), so two workers finish together instead of one waiting on a long
test handed out last. Regenerate after a full run:

    make test 2>&1 | tee /tmp/test.log
    .venv/bin/python scripts/test_durations.py /tmp/test.log

The file is the log's table alone: a test the table does not list took less than its shortest
line, and falls back to tests/slow_tier.txt's figure (kept figures of tests a run no longer listed
went stale: an ARIMA test kept 115 s after it took 13)."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "durations.txt"


def _slow_tier() -> Any:
    spec = importlib.util.spec_from_file_location("slow_tier", ROOT / "scripts" / "slow_tier.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(log: str) -> None:
    text = Path(log).read_text(encoding="utf-8", errors="replace")
    measured: dict[str, float] = _slow_tier().durations(text)
    merged = measured
    head = f"# seconds per test from make test's --durations table, {time.strftime('%Y-%m-%d')}"
    lines = [f"{test}  # {s:.1f} s" for test, s in sorted(merged.items(), key=lambda t: -t[1])]
    OUT.write_text("\n".join([head, *lines]) + "\n", encoding="utf-8")
    print(f"{len(merged)} tests in {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
