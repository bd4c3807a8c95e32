"""The REFACTOR capability's steps: cross-validated selection rendered and run, the pipeline
re-rendered with the winner and tested against the same tests, on a copy of the project in the
call's staging folder (`ml/tdd/staged.py`); a winner that breaks them gives way to the previous
pipeline (its run recorded as rejected), and an unmet gate is tuned within `tune_budget_s`
(`ml/tdd/tuning_step.py`). The project's pipeline and model change in the record step only, and
only to the pipeline the job kept."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.files.workspace import Workspace, WriteReport
from mcp_server.ml.tdd import next_steps
from mcp_server.ml.tdd.attempts import Attempt, attempt
from mcp_server.ml.tdd.builders import builders
from mcp_server.ml.tdd.generated_tests import require_tests
from mcp_server.ml.tdd.rendering import checked_spec, phase_plan, pipeline_files, render
from mcp_server.ml.tdd.requests import PhaseOrder, PhaseOutcome, PhaseRequest
from mcp_server.ml.tdd.run import run_module
from mcp_server.ml.tdd.staged import copy_project, produced

if TYPE_CHECKING:
    from mcp_server.ml.capability import Call, Plan, Recorded
    from mcp_server.ml.tdd.results import PhaseResult
    from mcp_server.ml.tdd.spec_data import SpecData


def prepare_refactor(call: Call[PhaseRequest]) -> Plan:
    """The selection module and its tests written into the project (the first pipeline too, when
    there is none yet); the pipeline as it is now, for the job to fall back on."""
    workspace, prep, overwrite = call.workspace, checked_spec(call), call.request.overwrite
    require_tests(workspace, prep)
    paths = prep.paths
    sel_ctx = builders(prep).selection_context(prep)
    report = workspace.write_files(render("refactor", sel_ctx, prep.templates), overwrite=overwrite)
    pipeline_file = workspace.root / paths["pipeline"]
    if not pipeline_file.is_file():
        first = sel_ctx["candidates"][0]["name"]
        report.merge(workspace.write_files(pipeline_files(prep, first, None, "initial")))
    previous = pipeline_file.read_text(encoding="utf-8")
    return phase_plan(call, prep, report, previous=previous)


class _Refactoring:
    """One REFACTOR job on the copy of the project: its attempts in order, the last one answers."""

    def __init__(self, order: PhaseOrder, progress: Any) -> None:
        self.order, self.prep, self.progress = order, order.prep, progress
        models = Path(self.prep.paths["model"]).parts[0]
        self.root = copy_project(Path(order.root), Path(order.folder) / "project", models)
        self.copy = Workspace(self.root)
        self.out = PhaseOutcome(report=WriteReport())
        self.files: dict[str, bytes | str] = {}  # the CV winner's pipeline files

    def write(self, files: dict[str, bytes | str], overwrite: bool | None = None) -> None:
        force = self.order.overwrite if overwrite is None else overwrite
        assert self.out.report is not None
        self.out.report.merge(self.copy.write_files(files, overwrite=force))

    def attempt(self, model: str, params: dict[str, Any], files: dict[str, bytes | str]) -> Attempt:
        """The pipeline now in the copy, trained and tested; its run staged."""
        folder = Path(self.order.folder) / f"run-{len(self.out.attempts)}"
        done = attempt(self.root, self.prep, "refactor", model, params, folder)
        done.files = {**files, self.prep.paths["pipeline"]: done.pipeline}
        self.out.attempts.append(done)
        return done

    def back_to(self, text: str, model: str, params: dict[str, Any], why: str) -> Attempt:
        """`text` as the pipeline again, tested; the attempt before it rejected for `why`."""
        self.out.attempts[-1].rejected = why
        self.write({self.prep.paths["pipeline"]: text}, overwrite=True)
        return self.attempt(model, params, {})


def refactor_job(order: PhaseOrder, progress: Any) -> PhaseOutcome:
    """In the job process: select, test the winner, fall back, tune; all on the copy."""
    job = _Refactoring(order, progress)
    prep = job.prep
    progress(0.5, "refactor: cross-validating the candidates")
    selection = _select(job)
    chosen = selection["chosen"]
    progress(4, f"refactor: testing the CV winner {chosen['model']}")
    winner = job.attempt(chosen["model"], dict(chosen["params"]), job.files)
    if not winner.ok and order.previous != winner.pipeline:
        _keep_previous(job, winner)
    job.out.leaderboard = selection["leaderboard"]
    final = job.out.final
    assert final is not None
    if prep.spec.tune_budget_s and not all(g.passed for g in final.gates):
        progress(7, f"refactor: tuning within {prep.spec.tune_budget_s:g} s")
        from mcp_server.ml.tdd.tuning_step import tune_unmet

        tune_unmet(job, Workspace(Path(order.root)))
    return _finished(job)


def _select(job: _Refactoring) -> dict[str, Any]:
    """Run the generated cross-validated selection; write the pipeline with its winner."""
    prep = job.prep
    out = f"{prep.paths['state']}/selection.json"
    module = f"{prep.package}.{prep.spec.module}.selection"
    what = "cross-validated model selection"
    selection: dict[str, Any] = run_module(job.root, module, ["--out", out], what)
    chosen = selection["chosen"]
    note = (
        f"chosen by {prep.spec.cv_folds}-fold CV: {prep.spec.metric} {chosen['cv_mean']:.4f} "
        f"± {chosen['cv_std']:.4f}; see selection.py"
    )
    job.files = pipeline_files(prep, chosen["model"], chosen["params"], note)
    job.write(job.files)
    return selection


def _keep_previous(job: _Refactoring, failed: Attempt) -> None:
    """The CV winner broke tests: the previous pipeline again (tests pin behaviour; refactor
    keeps it)."""
    found = re.search(r"^MODEL_NAME = (.+)$", job.order.previous, re.M)
    if found is None:
        return
    name = str(ast.literal_eval(found.group(1)))
    broke = [t.name for t in failed.run.outcomes if t.status != "passed"]
    why = f"the CV winner failed {', '.join(broke[:5])}; replaced by {name}"
    kept = job.back_to(job.order.previous, name, {}, why)
    verdict = "it passes every test" if kept.ok else "neither passes every test; see next_step"
    job.out.warnings.append(
        f"the CV winner {failed.model} failed {', '.join(broke[:5])}; the previous "
        f"pipeline ({name}) was put back: " + verdict
    )


def _finished(job: _Refactoring) -> PhaseOutcome:
    """TRUST's checks on the copy, and what the record step copies back into the project."""
    from mcp_server.ml.tdd.trust import trust_checks

    prep, out = job.prep, job.out
    state = prep.paths["state"]
    out.trust = trust_checks(job.copy, prep, job.root / state / "refactor.xml")
    out.produced = produced(job.root, [state, str(Path(prep.paths["model"]).parent)])
    return out


def write_back(call: Call[PhaseRequest], outcome: PhaseOutcome) -> WriteReport:
    """Into the project: the phase's reports, the model the final pipeline saved, and that
    pipeline's files (the CV winner or the tuned one when it was kept, else the previous one)."""
    workspace, final = call.workspace, outcome.final
    for rel, data in outcome.produced.items():  # the tools' own state and the generated model
        workspace.ensure_dir(Path(rel).parent)
        workspace.resolve(rel).write_bytes(data)
    if final is None:
        return WriteReport()
    return workspace.write_files(final.files, overwrite=call.request.overwrite)


def refactor_answer(
    call: Call[PhaseRequest], outcome: PhaseOutcome, recorded: Recorded
) -> PhaseResult:
    from mcp_server.ml.tdd.results import phase_result

    prep: SpecData = call.facts.prep
    result = phase_result(prep, "refactor", call.facts.report, outcome)
    written: WriteReport = recorded.written
    result.files_written = sorted({*result.files_written, *written.written})
    result.cv_results = [
        {**row, "cv_mean": round(row["cv_mean"], 4), "cv_std": round(row["cv_std"], 4)}
        for row in outcome.leaderboard
    ]
    listed = {row["model"] for row in outcome.leaderboard}
    skipped = [c for c in prep.spec.candidates or [] if c not in listed]
    if skipped:
        result.warnings.append(
            f"candidates not installed, not cross-validated: {', '.join(skipped)}"
        )
    result.warnings += outcome.warnings
    result.tuning = outcome.tuning
    result.next_step = next_steps.after_green_phase(prep, "refactor", result)
    return result
