"""The REFACTOR phase: cross-validated model selection rendered and run, the pipeline re-rendered
with the winner and tested against the same tests; a winner that breaks them is replaced by the
previous pipeline (its run recorded as rejected), and an unmet gate is tuned within
`tune_budget_s`."""

from __future__ import annotations

from typing import Any

from mcp_server.files.workspace import Workspace, WriteReport
from mcp_server.ml.data.kinds.timeseries import TIMESERIES
from mcp_server.ml.tdd import next_steps
from mcp_server.ml.tdd.builders import builders
from mcp_server.ml.tdd.generated_tests import require_tests
from mcp_server.ml.tdd.phases import PhaseResult, finish, pipeline_files, render
from mcp_server.ml.tdd.run import run_module
from mcp_server.ml.tdd.spec_data import SpecData
from mcp_server.ml.tdd.track import mark_rejected


def refactor(workspace: Workspace, prep: SpecData, overwrite: bool = False) -> PhaseResult:
    require_tests(workspace, prep)
    paths = prep.paths
    sel_ctx = builders(prep).selection_context(prep)
    report = workspace.write_files(render("refactor", sel_ctx, prep.templates), overwrite=overwrite)
    pipeline_file = workspace.root / paths["pipeline"]
    if not pipeline_file.is_file():
        report.merge(
            workspace.write_files(
                pipeline_files(prep, sel_ctx["candidates"][0]["name"], None, "initial")
            )
        )
    previous = pipeline_file.read_text(encoding="utf-8")
    selection = _select(workspace, prep, report, overwrite)
    chosen = selection["chosen"]
    result = finish(workspace, prep, "refactor", report, chosen["model"], dict(chosen["params"]))
    if not result.ok and previous != pipeline_file.read_text(encoding="utf-8"):
        result = _keep_previous(workspace, prep, result, previous)
    result.cv_results = [
        {**row, "cv_mean": round(row["cv_mean"], 4), "cv_std": round(row["cv_std"], 4)}
        for row in selection["leaderboard"]
    ]
    skipped = [
        c
        for c in prep.spec.candidates or []
        if c not in {row["model"] for row in selection["leaderboard"]}
    ]
    if skipped:
        result.warnings.append(
            f"candidates not installed, not cross-validated: {', '.join(skipped)}"
        )
    if prep.spec.tune_budget_s and not all(g.passed for g in result.metrics):
        if prep.templates == "tdd" or prep.kind.name == TIMESERIES:
            # a gate is unmet: tune (a series on rolling-origin folds of its training rows)
            result = _tune(workspace, prep, result, overwrite)
        else:  # its search would draw the table's random folds from the SPEC's training rows
            result.warnings.append(
                f"tune_budget_s was not spent: the TDD tuning step tunes tables and time series, "
                f"not {prep.kind.name} data; improve the candidates or the SPEC's data instead"
            )
    result.next_step = next_steps.after_green_phase(
        prep, "refactor", result
    )  # now with the CV leaderboard
    return result


def _select(
    workspace: Workspace, prep: SpecData, report: WriteReport, overwrite: bool
) -> dict[str, Any]:
    """Run the generated cross-validated selection; write the pipeline with its winner."""
    paths = prep.paths
    out = f"{paths['state']}/selection.json"
    module = f"{prep.package}.{prep.spec.module}.selection"
    selection: dict[str, Any] = run_module(
        workspace.root, module, ["--out", out], "cross-validated model selection"
    )
    chosen = selection["chosen"]
    note = (
        f"chosen by {prep.spec.cv_folds}-fold CV: {prep.spec.metric} {chosen['cv_mean']:.4f} "
        f"± {chosen['cv_std']:.4f}; see selection.py"
    )
    report.merge(
        workspace.write_files(
            pipeline_files(prep, chosen["model"], chosen["params"], note), overwrite=overwrite
        )
    )
    return selection


def _tune(
    workspace: Workspace, prep: SpecData, result: PhaseResult, overwrite: bool
) -> PhaseResult:
    """REFACTOR's tuning within `tune_budget_s`, each tuned pipeline tested as the phase is."""
    from mcp_server.ml.tdd.tuning_step import tune_unmet

    pipeline = prep.paths["pipeline"]

    def again(what: dict[str, Any], model: str, params: dict[str, Any]) -> PhaseResult:
        files = (
            pipeline_files(prep, model, params, what["note"])
            if "note" in what
            else {pipeline: what["text"]}
        )
        report = workspace.write_files(files, overwrite=overwrite)
        return finish(workspace, prep, "refactor", report, model, params)

    current = (workspace.root / pipeline).read_text(encoding="utf-8")
    tuned: PhaseResult = tune_unmet(workspace, prep, result, again, current)
    return tuned


def _keep_previous(
    workspace: Workspace, prep: SpecData, failed: PhaseResult, previous: str
) -> PhaseResult:
    """The CV winner broke tests: put the previous pipeline back (tests pin behaviour; refactor
    keeps it)."""
    import ast
    import re

    found = re.search(r"^MODEL_NAME = (.+)$", previous, re.M)
    if found is None:
        return failed
    name = str(ast.literal_eval(found.group(1)))
    report = workspace.write_files({prep.paths["pipeline"]: previous})
    kept = finish(workspace, prep, "refactor", report, name, {})
    broke = [t.name for t in failed.tests if t.status != "passed"]
    mark_rejected(
        workspace, failed.run_id, f"the CV winner failed {', '.join(broke[:5])}; replaced by {name}"
    )
    kept.files_written = sorted(set(failed.files_written) | set(kept.files_written))
    verdict = "it passes every test" if kept.ok else "neither passes every test; see next_step"
    kept.warnings.append(
        f"the CV winner {failed.model} failed {', '.join(broke[:5])}; the previous "
        f"pipeline ({name}) was put back: " + verdict
    )
    return kept
