"""TDD cycle speed: red → green → refactor for the three example SPECs, per phase and step.

Runs the domain layer (what the tools call) in a fresh copy of examples/, so the figures are the
phases' own cost without MCP transport. The machine is shared: run it twice and read the
medians, not one number. Target: the three cycles well under 2 minutes on 2 cores.
Run: `.venv/bin/python bench/tdd_cycle.py [ML-001 ML-002 ML-003]`
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tdd import attempts, capabilities, refactor_job, trust
from mcp_server.ml.tdd import phases as tdd
from mcp_server.ml.tdd import refactor as refactoring
from tests.support import copy_examples

STEPS: dict[str, list[float]] = defaultdict(list)


def timed(name: str, fn: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            STEPS[name].append(time.perf_counter() - start)

    return wrapper


def main(spec_ids: list[str]) -> None:
    # the phases' steps, run in this process (`capabilities.inline`), each timed where it is called
    capabilities.run_pytest = timed("pytest run (red)", capabilities.run_pytest)  # type: ignore[assignment]
    attempts.train_and_test = timed("training + pytest", attempts.train_and_test)  # type: ignore[assignment]
    refactor_job.run_module = timed("selection process", refactor_job.run_module)  # type: ignore[assignment]
    attempts._staged_run = timed("the run's fit, staged", attempts._staged_run)  # type: ignore[assignment]
    trust.trust_checks = timed("TRUST checks", trust.trust_checks)  # type: ignore[assignment]
    run = {"red": tdd.red, "green": tdd.green, "refactor": refactoring.refactor}
    total = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(copy_examples(Path(tmp) / "project"))
        for spec_id in spec_ids:
            prep = tdd.load(ws, spec_id, None, "ml_project")
            for phase in ("red", "green", "refactor"):
                start = time.perf_counter()
                result = run[phase](ws, prep)
                took = time.perf_counter() - start
                total += took
                print(f"{spec_id} {phase:<9} {took:6.1f} s  ok={result.ok}")
    print(f"total {total:.1f} s for {len(spec_ids)} cycle(s)")
    for name, values in STEPS.items():
        print(f"  {name:<28} n={len(values):<3} sum {sum(values):6.1f} s  max {max(values):5.1f} s")


if __name__ == "__main__":  # job processes start from a forkserver that re-imports __main__
    main(sys.argv[1:] or ["ML-001", "ML-002", "ML-003"])
