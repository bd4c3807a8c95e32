"""What a phase answers: a `PhaseResult`, made from RED's test run or from the attempt a GREEN or
REFACTOR job ended with (`ml/tdd/attempts.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcp_server.files.workspace import WriteReport
from mcp_server.ml.tdd import next_steps
from mcp_server.ml.tdd.judge import Gate
from mcp_server.ml.tdd.run import PytestRun, TestOutcome
from mcp_server.ml.tdd.spec_data import RED_SENTINEL, SpecData

if TYPE_CHECKING:
    from mcp_server.ml.tdd.requests import PhaseOutcome


@dataclass
class PhaseResult:
    spec_id: str
    phase: str
    files_written: list[str]
    files_unchanged: list[str]
    files_skipped: list[str]
    tests: list[TestOutcome]
    ok: bool  # red confirmed / green
    report_path: str
    next_step: str
    problems: list[str] = field(default_factory=list)
    model: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    metrics: list[Gate] = field(default_factory=list)
    baseline: float | None = None
    model_path: str | None = None
    run_id: str | None = None
    cv_results: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    trust: list[dict[str, Any]] = field(
        default_factory=list
    )  # MoAI's TRUST checks of the generated code
    tuning: dict[str, Any] | None = (
        None  # REFACTOR's search within the SPEC's tune_budget_s, if it ran
    )


def _result(
    prep: SpecData, phase: str, report: WriteReport, run: PytestRun, ok: bool, nxt: str
) -> PhaseResult:
    return PhaseResult(
        spec_id=prep.spec.spec_id,
        phase=phase,
        files_written=report.written,
        files_unchanged=report.unchanged,
        files_skipped=report.skipped,
        tests=run.outcomes,
        ok=ok,
        report_path=f"{prep.paths['state']}/{phase}.xml",
        next_step=nxt,
        warnings=list(prep.spec.warnings),
    )


# -- RED -------------------------------------------------------------------------------------
def red_answer(prep: SpecData, report: WriteReport, run: PytestRun) -> PhaseResult:
    problems = red_problems(run.outcomes)
    ok = not problems
    nxt = (
        "RED confirmed: every test fails because the pipeline does not exist. Next: ml_tdd_green."
        if ok
        else "RED is not confirmed: fix the problems listed (a test that passes without the "
        "pipeline proves "
        "nothing; a test failing for another reason has a bug), then run ml_tdd_red again."
    )
    result = _result(prep, "red", report, run, ok, nxt)
    result.problems = problems
    return result


def red_problems(outcomes: list[TestOutcome]) -> list[str]:
    """Every test must fail, and fail because the pipeline module is missing."""
    problems = []
    for test in outcomes:
        if test.status == "passed":
            problems.append(
                f"{test.name}: passed without the pipeline, so it does not test the pipeline"
            )
        elif test.status == "skipped":
            problems.append(f"{test.name}: was skipped ({test.reason}); RED needs it to fail")
        elif RED_SENTINEL not in test.detail:
            problems.append(
                f"{test.name}: failed for another reason than the missing pipeline: {test.reason}"
            )
    return problems


# -- GREEN -----------------------------------------------------------------------------------
def phase_result(
    prep: SpecData, phase: str, report: WriteReport, outcome: PhaseOutcome
) -> PhaseResult:
    """GREEN's or REFACTOR's answer, from the attempt the job ended with."""
    final = outcome.final
    assert final is not None
    result = _result(prep, phase, report, final.run, final.ok, "")
    result.model, result.params, result.metrics = final.model, final.params, final.gates
    result.baseline = final.measured.get("baseline", {}).get(prep.spec.metric)
    result.model_path = prep.paths["model"]
    pipeline = prep.paths["pipeline"]
    if pipeline in report.skipped or (outcome.report and pipeline in outcome.report.skipped):
        result.warnings.append(
            f"{pipeline} was edited by a person and kept: it is what was trained and tested, and "
            f"{final.model} was not written into it (pass overwrite=true to replace it)"
        )
    result.run_id = final.run_id
    if final.note:  # the run could not be staged or recorded: the tests' outcome stands
        result.warnings.append(final.note)
    result.trust = outcome.trust
    result.next_step = next_steps.after_green_phase(prep, phase, result)
    return result
