"""The RED -> GREEN -> REFACTOR phases of a SPEC, each proven by running pytest.

RED renders the model tests and proves every one of them fails because the pipeline does not
exist (the pipeline package is hidden from the test run, so a re-run proves it too). GREEN
renders the pipeline with the registry's first estimator, trains and saves it, and runs the
tests. REFACTOR renders cross-validated model selection, re-renders the pipeline with the winner,
trains, and runs the same tests again. Thresholds and tests are never touched after RED.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcp_server.core import settings
from mcp_server.files.workspace import Workspace, WriteReport
from mcp_server.ml.modeling.metrics_spec import get_metric, passes
from mcp_server.ml.spec.reader import load_spec
from mcp_server.ml.tdd import next_steps
from mcp_server.ml.tdd.builders import builders
from mcp_server.ml.tdd.generated_tests import require_tests, tests_of
from mcp_server.ml.tdd.run import PytestRun, TestOutcome, run_module, run_pytest
from mcp_server.ml.tdd.spec_data import RED_SENTINEL, SpecData, prepare_spec
from mcp_server.ml.tdd.track import track
from mcp_server.ml.tdd.trust import trust_checks
from mcp_server.ml.tracking.verdict import Verdict


def render(phase: str, context: dict[str, Any], templates: str = "tdd") -> dict[str, bytes | str]:
    """The phase's files, as `templates/<templates>/manifest.yaml` lays them out (path -> text);
    the set is the data kind's (`SpecData.templates`)."""
    from mcp_server.files.template_sets import template_set

    return dict(template_set(templates).render(phase, context))


@dataclass
class Gate:
    name: str
    value: float | None
    threshold: float
    direction: str  # max (>=) | min (<=)
    passed: bool


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


def load(
    workspace: Workspace, spec_path: str | None, fields: dict[str, Any] | None, package: str
) -> SpecData:
    """Read the SPEC, apply the caller's fields, check everything against the data."""
    spec = load_spec(workspace, spec_path, fields)
    return prepare_spec(workspace, spec, package)


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
def red(workspace: Workspace, prep: SpecData, overwrite: bool = False) -> PhaseResult:
    paths = prep.paths
    report = workspace.write_files(
        render("red", builders(prep).test_context(prep), prep.templates), overwrite=overwrite
    )
    hidden = f"{prep.package}.{prep.spec.module}"
    first, *more = tests_of(prep)
    run = run_pytest(
        workspace.root,
        first,
        workspace.root / paths["state"] / "red.xml",
        {settings.HIDE_MODULES.name: hidden},
        also=tuple(more),
    )
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
def pipeline_files(
    prep: SpecData, model: str, params: dict[str, Any] | None, note: str
) -> dict[str, bytes | str]:
    import inspect

    from mcp_server.ml.data import splits
    from mcp_server.ml.modeling import labels

    context = builders(prep).pipeline_context(prep, model, params, note)
    files = render("green", context, prep.templates)
    if "labels" in prep.paths:  # the saved model's wrapper, beside the pipeline (a table's set)
        files[prep.paths["labels"]] = inspect.getsource(labels)
    if "splits" in prep.paths:  # the table's holdout and folds, the product's own module
        files[prep.paths["splits"]] = inspect.getsource(splits)
    return files


def _train_and_test(
    workspace: Workspace, prep: SpecData, phase: str
) -> tuple[dict[str, Any], PytestRun, dict[str, Any]]:
    paths = prep.paths
    from concurrent.futures import ThreadPoolExecutor

    state = workspace.root / paths["state"]
    metrics_file = state / f"{phase}-metrics.json"
    metrics_file.unlink(missing_ok=True)
    env = {settings.METRICS_OUT.name: str(metrics_file)}
    # RED's tests, and the selection's own (REFACTOR writes them with it) once it exists: TRUST
    # covers the package.
    first, *more = tests_of(prep)
    if (workspace.root / paths["selection_test"]).is_file():
        more.append(paths["selection_test"])
    # Training (which saves the model) and the tests (which fit their own copy on the same split)
    # are independent: run both processes at once.
    with ThreadPoolExecutor(max_workers=2) as pool:
        training = pool.submit(
            run_module, workspace.root, prep.pipeline_module, [], f"training the {phase} pipeline"
        )
        testing = pool.submit(
            run_pytest,
            workspace.root,
            first,
            state / f"{phase}.xml",
            env,
            str(Path(paths["pipeline"]).parent),
            tuple(more),
        )
        run = testing.result()
        trained = training.result()
    measured = json.loads(metrics_file.read_text(encoding="utf-8")) if metrics_file.exists() else {}
    return trained, run, measured


def gates(prep: SpecData, measured: dict[str, Any]) -> list[Gate]:
    spec = prep.spec
    values = measured.get("holdout", {})
    out = []
    for name, threshold in {spec.metric: spec.threshold, **spec.secondary}.items():
        metric = get_metric(name, spec.task)
        value = values.get(name)
        ok = value is not None and passes(metric, float(value), threshold)
        out.append(
            Gate(
                name,
                None if value is None else round(float(value), 4),
                threshold,
                metric.direction,
                ok,
            )
        )
    return out


def green(
    workspace: Workspace,
    prep: SpecData,
    model: str | None = None,
    overwrite: bool = False,
    params: dict[str, Any] | None = None,
) -> PhaseResult:
    """GREEN: the pipeline of `model` (default: the kind's first choice) with the family's
    defaults, or `params` over them (a fine-tuning family's `checkpoint`), rendered into the
    pipeline's MODEL_PARAMS as `ml_train` takes them, written, trained and tested."""
    from mcp_server.ml.modeling.kind_families import default_model_for

    require_tests(workspace, prep)
    name = model or default_model_for(prep.kind, prep.spec.task, len(prep.frame))
    check_family(prep, name, params or {})
    note = (
        "the registry's first choice for this task and size"
        if model is None
        else "chosen by the caller"
    )
    files = pipeline_files(prep, name, params, note)
    report = workspace.write_files(files, overwrite=overwrite)
    return finish(workspace, prep, "green", report, name, dict(params or {}))


def check_family(prep: SpecData, name: str, params: dict[str, Any]) -> None:
    """The family's own refusals before anything is written: its task, its params, and a text
    family's free-text column."""
    from mcp_server.ml.modeling.catalog import get_spec
    from mcp_server.ml.modeling.estimators import make_estimator
    from mcp_server.ml.modeling.preprocess import text_column

    make_estimator(name, prep.spec.task, params, prep.spec.seed)  # the task, then the params
    if get_spec(name).takes_text:
        text_column(prep.schema, name)


def finish(
    workspace: Workspace,
    prep: SpecData,
    phase: str,
    report: WriteReport,
    name: str,
    params: dict[str, Any],
) -> PhaseResult:
    trained, run, measured = _train_and_test(workspace, prep, phase)
    found = gates(prep, measured)
    ok = run.all_passed
    result = _result(prep, phase, report, run, ok, "")
    result.model, result.params, result.metrics = name, params, found
    result.baseline = measured.get("baseline", {}).get(prep.spec.metric)
    result.model_path = prep.paths["model"]
    if report.skipped and prep.paths["pipeline"] in report.skipped:
        result.warnings.append(
            f"{prep.paths['pipeline']} was edited by a person and kept: it is what was "
            "trained and tested, and "
            f"{name} was not written into it (pass overwrite=true to replace it)"
        )
    metrics = {f"holdout_{g.name}": g.value for g in found if g.value is not None}
    unmet = [
        f"{g.name} {g.value} (needs {'>=' if g.direction == 'max' else '<='} {g.threshold})"
        for g in found
        if not g.passed
    ]
    failing = [t.name for t in run.outcomes if t.status != "passed"]
    reason = "; ".join([*([f"tests failed: {', '.join(failing[:5])}"] if failing else []), *unmet])
    verdict = Verdict(not unmet, ok, reason)
    result.run_id, note = track(
        workspace, prep, phase, name, params, metrics, trained.get("sha256"), verdict
    )
    if note:
        result.warnings.append(note)
    result.trust = trust_checks(
        workspace, prep, state_file=workspace.root / prep.paths["state"] / f"{phase}.xml"
    )
    result.next_step = next_steps.after_green_phase(prep, phase, result)
    return result
