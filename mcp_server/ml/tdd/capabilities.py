"""RED, GREEN and REFACTOR as `Capability`s (`ml/capability.py`), run by the lifecycle driver
(`tools/_lifecycle.drive`), or in turn in the caller's process (`inline`: the CLI, tests).

prepare (server): the SPEC read and checked against its data, the phase's files rendered and
written (a person's edits kept). execute (one job process): pytest of the generated tests, the
pipeline's training, the fit of the phase's run staged in the call's folder (REFACTOR: selection,
tuning and its tests on a copy of the project, `ml/tdd/refactor.py`). judge: `ml/tdd/judge.py`.
record: the staged runs through `RunStore.record`, in order. answer: a `PhaseResult`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core import settings
from mcp_server.ml.capability import Call, Capability, Plan, Recorded
from mcp_server.ml.tdd import judge
from mcp_server.ml.tdd.attempts import attempt
from mcp_server.ml.tdd.generated_tests import require_tests, tests_of
from mcp_server.ml.tdd.refactor_job import (
    prepare_refactor,
    refactor_answer,
    refactor_job,
    write_back,
)
from mcp_server.ml.tdd.rendering import (
    check_family,
    checked_spec,
    phase_plan,
    pipeline_files,
    render,
)
from mcp_server.ml.tdd.requests import PhaseFacts, PhaseOrder, PhaseOutcome, PhaseRequest
from mcp_server.ml.tdd.results import PhaseResult, phase_result, red_answer
from mcp_server.ml.tdd.run import run_pytest

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace


# -- RED -------------------------------------------------------------------------------------
def prepare_red(call: Call[PhaseRequest]) -> Plan:
    from mcp_server.ml.tdd.builders import builders

    prep = checked_spec(call)
    files = render("red", builders(prep).test_context(prep), prep.templates)
    return phase_plan(
        call, prep, call.workspace.write_files(files, overwrite=call.request.overwrite)
    )


def red_job(order: PhaseOrder, progress: Any) -> PhaseOutcome:
    """The tests, run with the pipeline's package hidden: each must fail because it is missing."""
    prep, root = order.prep, Path(order.root)
    progress(1, "red: running the tests without the pipeline")
    first, *more = tests_of(prep)
    hidden = {settings.HIDE_MODULES.name: f"{prep.package}.{prep.spec.module}"}
    report = root / prep.paths["state"] / "red.xml"
    return PhaseOutcome(red=run_pytest(root, first, report, hidden, also=tuple(more)))


# -- GREEN -----------------------------------------------------------------------------------
def prepare_green(call: Call[PhaseRequest]) -> Plan:
    from mcp_server.ml.modeling.kind_families import default_model_for

    prep, request = checked_spec(call), call.request
    require_tests(call.workspace, prep)
    name = request.model or default_model_for(prep.kind, prep.spec.task, len(prep.frame))
    check_family(prep, name, request.params or {})
    note = "the registry's first choice for this task and size"
    note = note if request.model is None else "chosen by the caller"
    files = pipeline_files(prep, name, request.params, note)
    report = call.workspace.write_files(files, overwrite=request.overwrite)
    return phase_plan(call, prep, report, model=name, params=dict(request.params or {}))


def green_job(order: PhaseOrder, progress: Any) -> PhaseOutcome:
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.tdd.trust import trust_checks

    prep, root = order.prep, Path(order.root)
    progress(1, "green: training the pipeline and running the tests")
    done = attempt(root, prep, "green", order.model, order.params, Path(order.folder) / "run-0")
    state = root / prep.paths["state"] / "green.xml"
    return PhaseOutcome(attempts=[done], trust=trust_checks(Workspace(root), prep, state))


# -- the steps the phases share ---------------------------------------------------------------
def record_phase(call: Call[PhaseRequest], outcome: PhaseOutcome, verdict: Any) -> Recorded:
    """The staged runs through the run store, in order, each with its verdict (`judge`); a store
    that cannot be opened leaves the phase's outcome standing, with a note."""
    from mcp_server.core.errors import MoaiMlError
    from mcp_server.ml.tracking.runs import get_store

    staged = [a for a in outcome.attempts if a.record is not None]
    if not staged:
        return Recorded()
    try:
        store = get_store(call.workspace)
    except MoaiMlError as exc:
        for done in staged:
            done.note = f"the run was not logged: {exc}"
        return Recorded()
    for done in staged:
        assert done.record is not None
        done.record.verdict = judge.verdict(done.gates, done.run, done.rejected)
        done.run_id = store.record(done.record)
    return Recorded([a.run_id for a in staged if a.run_id])


def record_refactor(call: Call[PhaseRequest], outcome: PhaseOutcome, verdict: Any) -> Recorded:
    """REFACTOR's files into the project (the pipeline it kept, its model), then its runs."""
    written = write_back(call, outcome)
    return Recorded(record_phase(call, outcome, verdict).run_ids, written)


def answer_red(call: Call[PhaseRequest], outcome: PhaseOutcome, recorded: Recorded) -> PhaseResult:
    facts: PhaseFacts = call.facts
    assert outcome.red is not None
    return red_answer(facts.prep, facts.report, outcome.red)


def answer_green(
    call: Call[PhaseRequest], outcome: PhaseOutcome, recorded: Recorded
) -> PhaseResult:
    facts: PhaseFacts = call.facts
    return phase_result(facts.prep, "green", facts.report, outcome)


def _capability(
    name: str, prepare: Any, execute: Any, record: Any, answer: Any
) -> Capability[PhaseRequest, PhaseResult]:
    return Capability(
        name=name,
        prepare=prepare,
        execute=execute,
        judge=judge.judge,
        record=record,
        answer=answer,
        recording="recording the phase's MLflow run",
    )


RED = _capability("tdd red", prepare_red, red_job, record_phase, answer_red)
GREEN = _capability("tdd green", prepare_green, green_job, record_phase, answer_green)
REFACTOR = _capability(
    "tdd refactor", prepare_refactor, refactor_job, record_refactor, refactor_answer
)


def inline(
    capability: Capability[PhaseRequest, PhaseResult], workspace: Workspace, request: PhaseRequest
) -> PhaseResult:
    """The capability's steps in turn, in this process (the tools run them on the driver)."""
    from mcp_server.core import layout

    base = workspace.ensure_dir(layout.SCRATCH)
    with tempfile.TemporaryDirectory(prefix="tdd-", dir=base) as folder:
        call = Call(workspace, request, Path(folder))
        call.plan = capability.prepare(call)
        outcome = capability.execute(call.plan.payload, lambda *_: None)
        verdict = capability.judge(call, outcome) if capability.judge else None
        return capability.answer(call, outcome, capability.record(call, outcome, verdict))
