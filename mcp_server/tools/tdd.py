"""`ml_tdd_red`, `ml_tdd_green`, `ml_tdd_refactor`, `ml_tdd_cycle` and the `tdd_cycle` prompt."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field, WithJsonSchema

from mcp_server.core.names import PACKAGE_NAME
from mcp_server.files.workspace import Workspace
from mcp_server.ml.modeling.registry import REGISTRY
from mcp_server.ml.tdd.capabilities import GREEN, RED, REFACTOR
from mcp_server.ml.tdd.generated_tests import DEFAULT_PACKAGE
from mcp_server.ml.tdd.requests import PhaseRequest
from mcp_server.ml.tdd.results import PhaseResult
from mcp_server.tools._background import long_running
from mcp_server.tools._common import CREATES_RUNS, WRITES_FILES
from mcp_server.tools._estimates import tdd_estimate
from mcp_server.tools._lifecycle import drive
from mcp_server.tools.tdd_models import (
    CycleResult,
    GreenResult,
    PhaseSummary,
    RedResult,
    RefactorResult,
    SpecFields,
    summarize,
    to_green,
    to_red,
    to_refactor,
)

SpecPath = Annotated[
    str | None,
    Field(
        min_length=1,
        max_length=4096,
        description="SPEC id (ML-001), its folder or spec.md; or every field in `fields`",
    ),
]
Package = Annotated[
    str,
    Field(
        max_length=64,
        pattern=PACKAGE_NAME,
        description="Package under src/ holding the generated pipeline",
    ),
]
Overwrite = Annotated[
    bool, Field(description="Replace generated files even if a person edited them")
]
FIELDS_SCHEMA = {
    "type": "object",
    "description": "## ML fields overriding the SPEC's (dataset, target, metric, threshold, ...)",
}
Fields = Annotated[
    SpecFields | None, WithJsonSchema(FIELDS_SCHEMA)
]  # validated in full; listed in one line
# the registry names, as an enum (the text families too: their modules are copied beside the
# generated pipeline, `modeling/local_modules`)
ModelName = Literal[tuple(REGISTRY)]  # type: ignore[valid-type]
GreenParams = Annotated[
    dict[str, Any] | None,
    Field(description='Model kwargs, e.g. {"checkpoint": "<local folder>"}'),
]


def _fields(fields: SpecFields | None) -> dict[str, Any]:
    return fields.model_dump(exclude_none=True) if fields else {}


def _request(
    spec_path: str | None, fields: SpecFields | None, package: str, overwrite: bool, **more: Any
) -> PhaseRequest:
    return PhaseRequest(spec_path, _fields(fields), package, overwrite, **more)


def register(server: MCPServer, workspace: Workspace) -> None:
    """The four TDD tools and the `tdd_cycle` prompt."""
    for add in (_red_tool, _green_tool, _refactor_tool, _cycle_tool, _prompt):
        add(server, workspace)


def _red_tool(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=WRITES_FILES, title="TDD red: write failing model tests")
    @long_running(workspace, estimate=tdd_estimate("red"))
    async def ml_tdd_red(
        ctx: Context,
        spec_path: SpecPath = None,
        fields: Fields = None,
        package: Package = DEFAULT_PACKAGE,
        overwrite: Overwrite = False,
    ) -> RedResult:
        """RED step of SPEC-driven ML: read the SPEC (.moai/specs/SPEC-<ID>/spec.md; fields may also
        be given as arguments), check dataset and target against the data, write
        tests/ml/test_<id>.py (@TEST tag: data contract, holdout quality gates, dummy baseline
        margin, reproducibility, robustness to missing/unseen values, one-row latency, model size,
        save/reload), run them with pytest and confirm each fails only because the pipeline does not
        exist yet. Any test that passes or fails for another reason is listed in `problems`. Next:
        ml_tdd_green."""
        request = _request(spec_path, fields, package, overwrite)
        return to_red(await drive(RED, workspace, request, ctx))


def _green_tool(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=CREATES_RUNS, title="TDD green: write the pipeline and pass the tests")
    @long_running(workspace, estimate=tdd_estimate("green"))
    async def ml_tdd_green(
        ctx: Context,
        spec_path: SpecPath = None,
        fields: Fields = None,
        package: Package = DEFAULT_PACKAGE,
        model: Annotated[
            ModelName | None,  # type: ignore[valid-type]
            Field(description="Registry family; default: the task's first choice"),
        ] = None,
        overwrite: Overwrite = False,
        params: GreenParams = None,
    ) -> GreenResult:
        """GREEN step: write src/<package>/<id>/pipeline.py (@CODE tag), train it on the seeded
        split, save models/<id>/model.joblib and run the RED tests, reporting each test and gate.
        The pipeline: data loading, a scikit-learn Pipeline built from the data profile (impute,
        scale, one-hot, date parts; ids, leaks and the SPEC's drop list left out) and the model
        with its params. It never edits tests or thresholds: if a gate fails it says so; then run
        ml_tdd_refactor. Logs the model to MLflow (run_id) when the run store exists."""
        request = _request(spec_path, fields, package, overwrite, model=model, params=params)
        return to_green(await drive(GREEN, workspace, request, ctx))


def _refactor_tool(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(
        annotations=CREATES_RUNS, title="TDD refactor: cross-validate candidates, stay green"
    )
    @long_running(workspace, estimate=tdd_estimate("refactor"))
    async def ml_tdd_refactor(
        ctx: Context,
        spec_path: SpecPath = None,
        fields: Fields = None,
        package: Package = DEFAULT_PACKAGE,
        overwrite: Overwrite = False,
    ) -> RefactorResult:
        """REFACTOR step: write src/<package>/<id>/selection.py, which cross-validates the SPEC's
        `candidates` (stratified k-fold, plain k-fold for regression, on the training split only),
        each over its small grid, and picks the best CV mean of the primary metric; re-render the
        pipeline with the winner, retrain, save, and rerun the same tests to confirm they still
        pass. Returns the CV leaderboard (mean ± std per candidate), the choice, the gates and the
        run_id."""
        request = _request(spec_path, fields, package, overwrite)
        return to_refactor(await drive(REFACTOR, workspace, request, ctx))


def _cycle_tool(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=CREATES_RUNS, title="TDD cycle: red, green, refactor")
    @long_running(workspace, estimate=tdd_estimate("cycle"))
    async def ml_tdd_cycle(
        ctx: Context,
        spec_path: SpecPath = None,
        fields: Fields = None,
        package: Package = DEFAULT_PACKAGE,
        overwrite: Overwrite = False,
    ) -> CycleResult:
        """Run RED -> GREEN -> REFACTOR for one SPEC in a single call, with a progress notification
        per phase: failing tests first (stops if RED is not confirmed), then the pipeline, then CV
        model selection over the SPEC's candidates. Returns a compact summary per phase, the final
        gates, the CV leaderboard, the chosen model and the MLflow run id. Use the single-phase
        tools to re-run one step."""
        request = _request(spec_path, fields, package, overwrite)
        return await _cycle(workspace, request, ctx)


def _prompt(server: MCPServer, workspace: Workspace) -> None:
    @server.prompt(name="tdd_cycle", title="SPEC-driven TDD cycle for a model")
    def tdd_cycle(spec_id: str) -> str:
        """Walk through RED -> GREEN -> REFACTOR for one SPEC with the moai-ml tools."""
        return cycle_prompt(spec_id)


async def _cycle(workspace: Workspace, request: PhaseRequest, ctx: Context) -> CycleResult:
    """The three capabilities driven in turn, each its third of one growing progress."""

    async def done(step: int, message: str) -> None:
        with contextlib.suppress(Exception):  # a client that went away must not fail the cycle
            await ctx.report_progress(step, 3, message)

    await done(0, "red: writing the tests and proving they fail")
    red = await drive(RED, workspace, request, ctx, part=(0, 3))
    phases = [summarize(red)]
    if not red.ok:
        await done(3, "stopped: RED not confirmed")
        return _cycle_result(red, phases, red)
    await done(1, f"red done ({phases[-1].summary[:160]}); green: training the pipeline")
    green = await drive(GREEN, workspace, request, ctx, part=(1, 3))
    phases.append(summarize(green))
    await done(2, f"green done ({phases[-1].summary[:160]}); refactor: cross-validating")
    final = await drive(REFACTOR, workspace, request, ctx, part=(2, 3))
    phases.append(summarize(final))
    await done(3, f"done: {phases[-1].summary[:200]}")
    return _cycle_result(red, phases, final, green)


def _cycle_result(
    red: PhaseResult, phases: list[PhaseSummary], final: PhaseResult, *more: PhaseResult
) -> CycleResult:
    done = to_refactor(final) if final.phase == "refactor" else None
    skipped = sorted({p for r in (red, final, *more) for p in r.files_skipped})
    ran = list(
        {id(r): r for r in (red, *more, final)}.values()
    )  # phase results are unhashable dataclasses
    warnings = list(dict.fromkeys(f"{r.phase}: {w}" for r in ran for w in r.warnings))
    return CycleResult(
        spec_id=red.spec_id,
        phases=phases,
        green=final.ok and final.phase != "red",
        chosen_model=final.model,
        metrics=done.metrics if done else [],
        cv_results=done.cv_results if done else [],
        run_id=final.run_id,
        files_skipped=skipped,
        trust=done.trust if done else [],
        warnings=warnings,
        next_step=final.next_step,
    )


def cycle_prompt(spec_id: str) -> str:
    sid = "".join(ch for ch in spec_id if ch.isalnum() or ch == "-")[:64] or "ML-001"
    return f"""Run the SPEC-driven TDD cycle for SPEC {sid} with the moai-ml tools, one step at a
time.

1. Read .moai/specs/SPEC-{sid}/spec.md. Call ml_profile_data with the SPEC's `dataset` and `target`.
   If it reports identifier or leakage columns that are not in the SPEC's `drop` list, tell the user
   and suggest adding them before going on.
2. RED: call ml_tdd_red with spec_path="{sid}". Show which tests were written. Continue only if
   red_confirmed is true; otherwise show `problems` and stop.
3. GREEN: call ml_tdd_green with spec_path="{sid}". Show each metric gate (value vs threshold).
   Never edit the generated tests or lower a threshold to make them pass.
4. REFACTOR: call ml_tdd_refactor with spec_path="{sid}". Show the CV leaderboard (mean ± std per
   candidate), the chosen model, whether every test still passes, and the run_id.
5. If a gate is still not met, say so plainly and propose concrete next steps (more or better
   features, other candidates in the SPEC, more data), not a lower threshold. When every test
   passes, suggest bumping the SPEC version to 0.1.0 and its status to completed.

ml_tdd_cycle does steps 2-4 in one call when the user wants it done without stopping."""
