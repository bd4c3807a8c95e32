"""A long capability, declared once: its typed request and the steps the product owns.

One driver (`tools/_lifecycle.drive`) runs every capability the same way:

1. `prepare(call) -> Plan`, in the server: validate, estimate, refuse early, build the job's
   payload (files it needs go into `call.folder`, the staging folder deleted when the call ends);
2. `execute(payload, progress) -> outcome`, always in a job process (`processes.child.run_job`),
   killable, time-boxed; `collect(call, outcome)` turns what it returned, or `None` when its
   budget ran out, into the outcome the later steps use (the default: the result as it is; a
   job stopped by its budget is then an error);
3. `judge(call, outcome) -> verdict tags`, in the server: the SPEC's gates and the keep/reject
   rule (`None`: nothing to judge);
4. `record(call, outcome, verdict) -> Recorded`, in the server: `RunRecord`s through the run
   store, and anything else the call writes (a service's files, a card's report); if the call is
   cancelled meanwhile the runs are deleted again (`creates_runs=False`: the step adds to an
   existing run, and there is nothing to delete);
5. `answer(call, outcome, recorded) -> the tool's output`;
6. `leftovers(call)`, in the server, only when the execute step did not return (cancelled, killed,
   failed, out of time), once the job process is gone: clears what the job left half-written
   outside the staging folder (batch scoring's hidden temporary file), foreground and background
   calls alike.

This module declares, and imports nothing at its top, so the domain and the tools both use it;
`run_in_job` is the execute step for domain code that runs in a server thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from mcp_server.ml.tracking.verdict import Verdict

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace

R = TypeVar("R")  # the capability's typed request
A = TypeVar("A")  # the tool's answer (its output model)


@dataclass(frozen=True)
class Plan:
    """What `prepare` decided: the job's payload and how to run it."""

    payload: Any  # what the job process receives (pickled)
    budget_s: float  # past it the job is stopped
    steps: float  # progress steps the job reports; the driver reports step / steps of the work
    what: str  # the work, for messages: "training random_forest"
    facts: Any = None  # what prepare learned that later steps need (the table's path, a name)
    # where the work runs, when prepare chose other than the capability's execute step (a fit of
    # a partitioned dataset on a Dask cluster): a module-level function, like `execute`
    execute: Callable[[Any, Callable[..., None]], Any] | None = None


@dataclass(frozen=True)
class Recorded:
    """What the record step wrote: the runs it created (taken back if the call is cancelled, when
    the capability `creates_runs`) and what else it wrote (a service's files, a card's report),
    for the answer."""

    run_ids: list[str] = field(default_factory=list)
    written: Any = None


@dataclass
class Call(Generic[R]):
    """One drive of a capability: what every step sees."""

    workspace: Workspace
    request: R
    folder: Path  # the staging folder: the job writes only here; deleted when the call ends
    started: float = field(default_factory=time.time)  # when the call began (epoch seconds)
    plan: Plan | None = None  # set once `prepare` returned
    events: list[Any] = field(default_factory=list)  # what the job sent along its progress
    timed_out: bool = False  # the job's budget ran out before it returned

    @property
    def started_ms(self) -> int:
        return int(self.started * 1000)

    @property
    def facts(self) -> Any:
        return self.plan.facts if self.plan is not None else None


@dataclass(frozen=True)
class Capability(Generic[R, A]):
    """A long tool's work as the product owns it; `drive(capability, workspace, request, ctx)`."""

    name: str  # for people and logs: "training"
    prepare: Callable[[Call[R]], Plan]
    execute: Callable[[Any, Callable[..., None]], Any]  # a module-level function: it is pickled
    record: Callable[[Call[R], Any, Verdict | None], Recorded]
    answer: Callable[[Call[R], Any, Recorded], A]
    judge: Callable[[Call[R], Any], Verdict | None] | None = None
    collect: Callable[[Call[R], Any], Any] | None = None
    creates_runs: bool = True
    recording: str = "recording the MLflow run"  # the progress message while the run is written
    leftovers: Callable[[Call[R]], None] | None = None  # clears what a stopped job half-wrote


def run_in_job(
    target: Callable[[Any, Callable[..., None]], Any], payload: Any, *, budget_s: float, what: str
) -> Any:
    """`target(payload, progress)` in a job process (`processes.child.run_job`, the mechanism
    every capability's execute step uses), for domain code that runs synchronously in a server
    worker thread, such as the profile of a partitioned dataset. A cancelled tool call
    (`processes.subprocesses`) kills the job and raises `Cancelled`; called outside the server (the
    CLI, a test), the job runs under an event loop of its own, in a thread of its own (the caller's
    thread may be running a loop already)."""
    import functools
    from concurrent.futures import ThreadPoolExecutor

    import anyio
    import anyio.from_thread

    from mcp_server.processes import subprocesses

    subprocesses.check()
    group = subprocesses.CURRENT.get()
    try:
        return anyio.from_thread.run(_watched_job, target, payload, budget_s, what, group)
    except anyio.NoEventLoopError:
        job = functools.partial(_watched_job, target, payload, budget_s, what, group)
        with ThreadPoolExecutor(1) as own:
            return own.submit(anyio.run, job).result()


async def _watched_job(
    target: Callable[[Any, Callable[..., None]], Any],
    payload: Any,
    budget_s: float,
    what: str,
    group: Any,
) -> Any:
    """The job, stopped as soon as the tool call that wanted it is cancelled."""
    import anyio

    from mcp_server.processes import subprocesses
    from mcp_server.processes.child import run_job

    outcome = None
    try:
        async with anyio.create_task_group() as tasks:
            if group is not None:
                tasks.start_soon(_cancel_with, group, tasks.cancel_scope)
            outcome = await run_job(target, payload, budget_s=budget_s, what=what)
            tasks.cancel_scope.cancel()
    except BaseExceptionGroup as raised:  # the job's own error, not a group of one
        if len(raised.exceptions) == 1:
            raise raised.exceptions[0] from None
        raise
    if group is not None and group.cancelled:
        raise subprocesses.Cancelled(
            "the call was cancelled; nothing more was written: call it again "
            "(background=true, where the tool takes it, runs it as a job ml_job_status follows)"
        )
    return outcome


async def _cancel_with(group: Any, scope: Any) -> None:
    import anyio

    while not group.cancelled:
        await anyio.sleep(0.1)
    scope.cancel()
