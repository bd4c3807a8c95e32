"""Inputs and results of the TDD tools (their JSON schemas are what clients see)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mcp_server.core.names import SPEC_FILE_ID, TaskChoice
from mcp_server.ml.tdd.results import PhaseResult

Name = Annotated[str, Field(min_length=1, max_length=1024)]


class SpecFields(BaseModel):
    """SPEC fields given as arguments; each one overrides the `## ML` block of the SPEC file."""

    model_config = ConfigDict(extra="forbid")  # a misspelled field is refused, not ignored

    spec_id: str | None = Field(
        None, max_length=64, pattern=SPEC_FILE_ID, description="SPEC id, e.g. ML-001"
    )
    dataset: str | None = Field(
        None, max_length=4096, description="CSV/Parquet table, relative to the workspace"
    )
    target: str | None = Field(None, max_length=1024, description="Column to predict")
    task: TaskChoice | None = Field(None, description="Task; auto infers it")
    metric: str | None = Field(
        None, max_length=64, description="Primary metric (roc_auc, f1, accuracy, r2, mae, …)"
    )
    threshold: float | None = Field(
        None, ge=-1e12, le=1e12, description="Holdout primary metric gate (<= for errors)"
    )
    baseline_margin: float | None = Field(
        None, ge=0, le=1e12, description="Margin over the dummy baseline"
    )
    secondary: dict[str, float] | None = Field(
        None, max_length=20, description="Extra gates: metric -> threshold"
    )
    test_size: float | None = Field(None, ge=0.05, le=0.5, description="Holdout share")
    cv_folds: int | None = Field(
        None, ge=2, le=20, description="Folds of the refactor step's cross-validation"
    )
    seed: int | None = Field(
        None, ge=0, le=2**32 - 1, description="Seed of the split, CV and estimators"
    )
    candidates: list[Name] | None = Field(
        None, max_length=20, description="Registry model names to cross-validate"
    )
    drop: list[Name] | None = Field(
        None, max_length=1000, description="Columns never used as features"
    )
    max_latency_ms: float | None = Field(
        None, gt=0, le=1e6, description="One-row prediction budget, ms"
    )
    max_model_mb: float | None = Field(
        None, gt=0, le=1e6, description="Saved model size budget, MB"
    )
    tune_budget_s: float | None = Field(
        None, ge=5, le=86400, description="REFACTOR tunes this long if a gate is unmet"
    )


class TestResult(BaseModel):
    name: str = Field(description="pytest test name")
    status: Literal["passed", "failed", "error", "skipped"] = Field(
        description="Outcome of the test"
    )
    reason: str | None = Field(description="First line of the failure, if it did not pass")


class GateResult(BaseModel):
    name: str = Field(description="Metric name")
    value: float | None = Field(
        description="Measured on the seeded holdout (None if the tests did not get there)"
    )
    threshold: float = Field(description="The SPEC's threshold")
    direction: Literal["max", "min"] = Field(description="max: value must be >= threshold; min: <=")
    passed: bool = Field(description="Whether the gate holds")


class CvResult(BaseModel):
    model: str = Field(description="Registry model name")
    params: dict[str, Any] = Field(description="Best params from its small grid")
    cv_mean: float = Field(description="Mean CV score of the primary metric (its natural sign)")
    cv_std: float = Field(description="Standard deviation over the folds")
    fits: int = Field(description="Number of fits made for this candidate")


class TrustCheck(BaseModel):
    name: Literal["coverage", "file_lines", "function_lines", "tag_chain"] = Field(
        description="MoAI TRUST check"
    )
    passed: bool = Field(description="Whether the generated code passes it")
    detail: str = Field(description="The figure behind it, in one line")


class Files(BaseModel):
    files_written: list[str] = Field(description="Files written or updated by this call")
    files_unchanged: list[str] = Field(description="Files already up to date")
    files_skipped: list[str] = Field(
        description="Files a person edited, kept (pass overwrite=true to replace)"
    )


class RedResult(Files):
    spec_id: str = Field(description="The SPEC id")
    tests: list[TestResult] = Field(
        description="Each generated test and how it failed (shared reason: common_reason)"
    )
    common_reason: str | None = Field(
        description="The failure reason of every test whose own reason is empty"
    )
    red_confirmed: bool = Field(
        description="True when every test fails because the pipeline does not exist yet"
    )
    problems: list[str] = Field(
        description="Tests that passed or failed for another reason, and why"
    )
    report_path: str = Field(description="JUnit XML of the pytest run")
    next_step: str = Field(description="What to do next")
    warnings: list[str] = Field(description="SPEC problems that did not stop the step")


class GreenResult(Files):
    spec_id: str = Field(description="The SPEC id")
    model: str = Field(description="Registry name of the estimator in the pipeline")
    params: dict[str, Any] = Field(description="Estimator params beyond the registry defaults")
    tests: list[TestResult] = Field(
        description="Each test's outcome (shared failure reason: common_reason)"
    )
    common_reason: str | None = Field(
        description="The failure reason of every test whose own reason is empty"
    )
    green: bool = Field(description="True when every test passes")
    metrics: list[GateResult] = Field(description="Primary and secondary gates on the holdout")
    baseline: float | None = Field(description="Dummy baseline's primary metric on the holdout")
    model_path: str = Field(description="Where the generated pipeline saved the fitted model")
    run_id: str | None = Field(
        description="MLflow run id of the logged model (None if not logged; see warnings)"
    )
    report_path: str = Field(description="JUnit XML of the pytest run")
    trust: list[TrustCheck] = Field(
        description="MoAI's TRUST gate on the generated code: coverage, sizes, TAG chain"
    )
    next_step: str = Field(description="What to do next")
    warnings: list[str] = Field(description="Things worth knowing that did not stop the step")


class RefactorResult(GreenResult):
    cv_results: list[CvResult] = Field(description="CV leaderboard, best first")
    chosen_model: str = Field(
        description="The candidate with the best CV mean, now in the pipeline"
    )
    tuning: dict[str, Any] | None = Field(
        default=None,
        description="When a gate was unmet and the SPEC sets tune_budget_s: the search (model, "
        "params, "
        "best CV ± std "
        "vs threshold, trials, adopted: whether the tuned pipeline replaced the CV winner)",
    )


class PhaseSummary(BaseModel):
    phase: Literal["red", "green", "refactor"] = Field(description="Which phase")
    ok: bool = Field(description="red: confirmed; green/refactor: every test passes")
    tests_passed: int = Field(description="Tests that passed")
    tests_total: int = Field(description="Tests run")
    summary: str = Field(description="One line: what happened and the key numbers")
    files_written: list[str] = Field(description="Files written or updated in this phase")


class CycleResult(BaseModel):
    spec_id: str = Field(description="The SPEC id")
    phases: list[PhaseSummary] = Field(description="One compact summary per phase that ran")
    green: bool = Field(description="True when the final pipeline passes every test")
    chosen_model: str | None = Field(description="The model in the final pipeline")
    metrics: list[GateResult] = Field(description="Final holdout gates")
    cv_results: list[CvResult] = Field(
        description="CV leaderboard of the refactor phase, best first"
    )
    run_id: str | None = Field(description="MLflow run id of the final model (None if not logged)")
    files_skipped: list[str] = Field(description="Files a person edited, kept")
    trust: list[TrustCheck] = Field(description="MoAI's TRUST gate on the final generated code")
    warnings: list[str] = Field(
        description="Every phase's warnings, prefixed with the phase (why a CV winner was not "
        "kept, …)"
    )
    next_step: str = Field(description="What to do next")


def common_reason(result: PhaseResult) -> str | None:
    """The failure reason most tests share (said once, not once per test)."""
    reasons = [t.reason for t in result.tests if t.reason]
    shared = max(set(reasons), key=reasons.count) if reasons else None
    return shared if shared and reasons.count(shared) > 1 else None


def _tests(result: PhaseResult) -> list[TestResult]:
    shared = common_reason(result)
    return [
        TestResult(name=t.name, status=t.status, reason=None if t.reason == shared else t.reason)  # type: ignore[arg-type]
        for t in result.tests
    ]


def _files(result: PhaseResult) -> dict[str, Any]:
    return {
        "files_written": result.files_written,
        "files_unchanged": result.files_unchanged,
        "files_skipped": result.files_skipped,
    }


def to_red(result: PhaseResult) -> RedResult:
    return RedResult(
        **_files(result),
        spec_id=result.spec_id,
        tests=_tests(result),
        common_reason=common_reason(result),
        red_confirmed=result.ok,
        problems=result.problems,
        report_path=result.report_path,
        next_step=result.next_step,
        warnings=result.warnings,
    )


def _green_fields(result: PhaseResult) -> dict[str, Any]:
    return {
        **_files(result),
        "spec_id": result.spec_id,
        "model": result.model or "",
        "params": result.params,
        "tests": _tests(result),
        "common_reason": common_reason(result),
        "green": result.ok,
        "metrics": [GateResult(**asdict(g)) for g in result.metrics],
        "baseline": None if result.baseline is None else round(result.baseline, 4),
        "model_path": result.model_path or "",
        "run_id": result.run_id,
        "report_path": result.report_path,
        "trust": [TrustCheck(**check) for check in result.trust],
        "next_step": result.next_step,
        "warnings": result.warnings,
    }


def to_green(result: PhaseResult) -> GreenResult:
    return GreenResult(**_green_fields(result))


def to_refactor(result: PhaseResult) -> RefactorResult:
    return RefactorResult(
        **_green_fields(result),
        cv_results=[CvResult(**row) for row in result.cv_results],
        chosen_model=result.model or "",
        tuning=result.tuning,
    )


def _gates_text(result: PhaseResult) -> str:
    parts = []
    for g in result.metrics:
        sign = ">=" if g.direction == "max" else "<="
        parts.append(f"{g.name} {g.value} {sign} {g.threshold} {'ok' if g.passed else 'NOT MET'}")
    return "; ".join(parts)


def summarize(result: PhaseResult) -> PhaseSummary:
    """One line per phase: the counts and the numbers a person looks at first."""
    passed = sum(1 for t in result.tests if t.status == "passed")
    total = len(result.tests)
    if result.phase == "red":
        failed = total - passed
        text = (
            f"{failed}/{total} tests fail because the pipeline does not exist yet"
            if result.ok
            else (f"RED not confirmed: {'; '.join(result.problems[:3])}")
        )
    elif result.phase == "green":
        text = f"{result.model}: {passed}/{total} tests pass; {_gates_text(result)}"
    else:
        board = ", ".join(
            f"{r['model']} {r['cv_mean']:.4f}±{r['cv_std']:.4f}" for r in result.cv_results
        )
        text = (
            f"CV: {board}; chose {result.model}; {passed}/{total} tests pass; {_gates_text(result)}"
        )
    return PhaseSummary(
        phase=result.phase,  # type: ignore[arg-type]
        ok=result.ok,
        tests_passed=passed,
        tests_total=total,
        summary=text,
        files_written=result.files_written,
    )
