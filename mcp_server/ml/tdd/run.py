"""Running what was generated: pytest and the generated modules, in subprocesses of the workspace.

They run with the server's own interpreter (`sys.executable`), `src/` on PYTHONPATH, and a time
budget. pytest writes JUnit XML, from which every test's status and failure reason are read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp_server.core import settings
from mcp_server.core.errors import MoaiMlError
from mcp_server.processes import subprocesses

TIME_BUDGET_S = 900.0
_REASON_CHARS = 400


@dataclass(frozen=True)
class TestOutcome:
    name: str
    status: str  # passed | failed | error | skipped
    reason: str | None = None
    detail: str = ""  # the full failure text (not returned to clients; used to classify RED)


@dataclass
class PytestRun:
    outcomes: list[TestOutcome]
    returncode: int
    output_tail: str
    report_path: Path

    @property
    def passed(self) -> int:
        return sum(1 for o in self.outcomes if o.status == "passed")

    @property
    def all_passed(self) -> bool:
        return bool(self.outcomes) and self.passed == len(self.outcomes)


def _env(root: Path, extra: dict[str, str] | None) -> dict[str, str]:
    from mcp_server.safety.isolation import scrubbed_environment

    src, path = str(root / "src"), settings.PYTHONPATH.exact()
    # One OpenMP thread per process unless the user chose otherwise: on a shared machine,
    # oversubscribed OpenMP makes HistGradientBoosting an order of magnitude slower.
    # The repository's own code runs here (its conftest.py too): no product secret reaches it.
    env = scrubbed_environment(
        {
            settings.PYTHONPATH: src + (os.pathsep + path if path else ""),
            settings.PYTHONDONTWRITEBYTECODE: settings.PYTHONDONTWRITEBYTECODE.default,
        },
        defaults=(settings.OMP_NUM_THREADS,),
        drop=(settings.HIDE_MODULES, settings.METRICS_OUT),
    )
    env.update(extra or {})
    return env


def _run(
    args: list[str], root: Path, extra: dict[str, str] | None, what: str
) -> subprocess.CompletedProcess[str]:
    try:
        # Through `subprocesses`: a cancelled tool call kills this pytest and everything it started.
        return subprocesses.run(
            [sys.executable, *args], cwd=root, env=_env(root, extra), timeout=TIME_BUDGET_S
        )
    except subprocess.TimeoutExpired as exc:
        raise MoaiMlError(
            f"{what} took longer than {TIME_BUDGET_S:.0f} s and was stopped; point the SPEC's "
            "dataset at a smaller table (a sample)"
        ) from exc


def run_pytest(
    root: Path,
    test_rel: str,
    report: Path,
    extra_env: dict[str, str] | None = None,
    cover: str | None = None,
    also: tuple[str, ...] = (),
) -> PytestRun:
    """pytest on one generated test file (and the test files in `also`); every test's outcome from
    the JUnit report.

    With `cover` (a source folder), the run is measured by coverage.py into `<report>.coverage`.
    """
    report.parent.mkdir(
        parents=True, exist_ok=True
    )  # checked inside the workspace by tdd.spec_data.prepare_spec
    report.unlink(missing_ok=True)
    measure = (
        ["-m", "coverage", "run", f"--data-file={report}.coverage", f"--source={cover}"]
        if cover
        else []
    )
    args = [*measure, "-m", "pytest", test_rel, *also, f"--junitxml={report}", "-q", "--no-header"]
    args += ["-p", "no:cacheprovider"]
    args += ["-o", "addopts=", "-o", "junit_family=xunit1", "--rootdir", str(root)]
    # The generated tests use no plugin: importing every installed one (the server's environment
    # may hold dozens) would cost seconds of each phase. `coverage run` measures without one.
    plugins = {settings.PYTEST_DISABLE_PLUGIN_AUTOLOAD.name: "1"}
    done = _run(args, root, {**plugins, **(extra_env or {})}, "pytest")
    tail = (done.stdout + done.stderr)[-3000:]
    if not report.exists():
        raise MoaiMlError(
            f"pytest did not run {test_rel} (exit {done.returncode}: {tail[-800:]}); fix the "
            "test file, or write it again with ml_tdd_red(overwrite=true)"
        )
    outcomes = parse_junit(report)
    if not outcomes:
        raise MoaiMlError(
            f"pytest collected no tests from {test_rel} (exit {done.returncode}: {tail[-800:]}); "
            "write the tests again with ml_tdd_red(overwrite=true)"
        )
    return PytestRun(outcomes, done.returncode, tail, report)


def parse_junit(path: Path) -> list[TestOutcome]:
    """(name, status, reason) per test case of a JUnit XML report."""
    tree = ET.parse(path)  # noqa: S314 - the report our own pytest run just wrote
    out = []
    for case in tree.iter("testcase"):
        name = case.get("name", "?")
        status, reason, detail = "passed", None, ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                status = {"failure": "failed"}.get(child.tag, child.tag)
                detail = f"{child.get('message', '')}\n{child.text or ''}"
                reason = _reason(child.get("message") or "", child.text or "") or child.tag
                break
        out.append(TestOutcome(name, status, reason, detail))
    return out


def _reason(message: str, text: str) -> str:
    """The assertion or exception line (pytest's `E   ...`), else the message's first line."""
    for line in text.splitlines():
        if line.startswith("E "):
            return _short(line[1:])
    return _short(message or text)


def _short(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    first = lines[0] if lines else ""
    return first[:_REASON_CHARS]


def run_module(root: Path, module: str, args: list[str], what: str) -> dict[str, Any]:
    """`python -m module args`; the last stdout line is its JSON result."""
    done = _run(["-m", module, *args], root, None, what)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-12:]
        raise MoaiMlError(
            f"{what} failed (exit {done.returncode}: {' | '.join(tail)[-1500:]}); fix the "
            "generated code, or write it again with ml_tdd_refactor(overwrite=true)"
        )
    lines = [line for line in done.stdout.strip().splitlines() if line.strip()]
    try:
        result = json.loads(lines[-1]) if lines else None
    except ValueError:
        result = None
    if not isinstance(result, dict):
        raise MoaiMlError(
            f"{what} printed no JSON result (output: {done.stdout[-500:]}); write the generated "
            "code again with ml_tdd_refactor(overwrite=true)"
        )
    return result
