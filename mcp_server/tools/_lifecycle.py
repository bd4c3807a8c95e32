"""The one driver of a long capability (`ml/capability.py` declares its steps).

`drive(capability, workspace, request, ctx)` owns what every long tool used to rebuild: the
staging folder (always deleted), where each step runs (prepare, judge, record and answer in a
worker thread of the server; execute in a job process, `processes.child.run_job`, the one way
work leaves the server), progress (`ctx.report_progress`, the job's steps as fractions of the
whole, then the recording), cancellation (the job is killed, runs already written are deleted,
the staging folder goes, the capability's `leftovers` step clears what the job half-wrote) and
errors (`MoaiMlError` becomes a tool error naming the fix).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, TypeVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.capability import Call, Capability, Plan, Recorded
from mcp_server.ml.tracking.verdict import Verdict
from mcp_server.processes.child import Job, JobTimeout, run_job
from mcp_server.tools._common import record_runs, run_domain, run_store, staging

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace

R = TypeVar("R")
A = TypeVar("A")


class _Progress:
    """MCP progress of one call: always growing, never past the total, never failing the call.
    `part=(i, n)`: the call is the i-th (from 0) of n driven in turn by one tool (the TDD cycle),
    and reports its progress between i and i + 1 of n."""

    def __init__(self, ctx: Context | None, total: float, part: tuple[int, int] | None) -> None:
        self.ctx, self.total, self.last, self.part = ctx, total, -1.0, part

    async def __call__(self, step: float, message: str) -> None:
        step = min(max(step, self.last + 0.001), self.total)
        if self.ctx is None or step <= self.last:
            return
        self.last = step
        done, total = step, self.total
        if self.part is not None:
            done, total = self.part[0] + step / self.total, self.part[1]
        with contextlib.suppress(Exception):  # a client that went away must not fail the job
            await self.ctx.report_progress(done, total, message)


async def drive(
    capability: Capability[R, A],
    workspace: Workspace,
    request: R,
    ctx: Context | None,
    part: tuple[int, int] | None = None,
) -> A:
    """Prepare, execute in a job, judge, record, answer; a cancelled call leaves no run and no
    staging folder behind. `part`: this call's place among several one tool drives in turn."""
    with staging(workspace) as folder:
        call = Call(workspace, request, folder)
        plan = call.plan = await run_domain(capability.prepare, call)
        progress = _Progress(ctx, plan.steps, part)
        try:
            outcome = await _execute(capability, call, plan, progress)
        except BaseException:  # cancelled, killed, failed: the job process is gone by now
            await _clear_leftovers(capability, call)
            raise
        await progress(plan.steps - 0.5, capability.recording)
        verdict = await _judge(capability, call, outcome)
        recorded = await record_runs(
            lambda: capability.record(call, outcome, verdict), _undo(capability, workspace)
        )
        return await run_domain(capability.answer, call, outcome, recorded)


async def _execute(
    capability: Capability[R, Any], call: Call[R], plan: Plan, progress: _Progress
) -> Any:
    """The job process's outcome, as `collect` makes it (a job stopped by its budget counts only
    when `collect` salvages something from what it sent before)."""
    target = plan.execute or capability.execute  # prepare decides where the work runs
    job = Job(f"{target.__module__}.{target.__qualname__}", events=call.events)
    try:
        outcome = await run_job(
            target, plan.payload, budget_s=plan.budget_s, progress=progress, job=job, what=plan.what
        )
    except JobTimeout as exc:
        call.timed_out = True
        salvaged = None
        if capability.collect is not None:
            salvaged = await run_domain(capability.collect, call, None)
        if salvaged is None:
            raise ToolError(str(exc)) from exc
        return salvaged
    except MoaiMlError as exc:
        raise ToolError(str(exc)) from exc
    if capability.collect is None:
        return outcome
    return await run_domain(capability.collect, call, outcome)


async def _clear_leftovers(capability: Capability[R, Any], call: Call[R]) -> None:
    """The capability's `leftovers` step, even while the call is being cancelled; what it raises
    is logged, never the call's error."""
    if capability.leftovers is None:
        return
    import logging

    import anyio
    import anyio.to_thread

    with anyio.CancelScope(shield=True):
        try:
            await anyio.to_thread.run_sync(capability.leftovers, call)
        except Exception:
            logging.getLogger("moai_ml").warning("clearing leftovers failed", exc_info=True)


async def _judge(capability: Capability[R, Any], call: Call[R], outcome: Any) -> Verdict | None:
    if capability.judge is None:
        return None
    return await run_domain(capability.judge, call, outcome)


def _undo(capability: Capability[R, Any], workspace: Workspace) -> Any:
    """How a cancelled call takes its runs back: delete them, unless it only added to one."""
    if not capability.creates_runs:
        return lambda recorded: None

    def undo(recorded: Recorded) -> None:
        if recorded.run_ids:  # the store opened only when there is something to take back
            run_store(workspace).delete_runs(recorded.run_ids)

    return undo


def judge_against_spec(
    workspace: Workspace,
    spec_id: str | None,
    metrics: dict[str, Any],
    model_size_mb: float | None,
    latency_ms: float | None,
) -> Verdict:
    """The one judge of a fitted model: its SPEC's gates (holdout metrics, model size, latency)
    when it has a SPEC, else kept without gates (`Verdict`, made here, read at every door)."""
    from mcp_server.ml.tdd.gates import find_spec, unmet_gates

    spec = find_spec(workspace, spec_id)
    if spec is None:
        return Verdict.against_gates(None)
    return Verdict.against_gates(unmet_gates(spec, metrics, model_size_mb, latency_ms))
