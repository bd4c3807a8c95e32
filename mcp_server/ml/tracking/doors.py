"""The doors a model passes through (export, serving, register, promote): each lets a run through
by its recorded verdict alone, through `admit`, so they refuse the same runs in the same words.

A run that failed its SPEC's gates or was rejected is refused, naming the override first (a
message cut at its end keeps the fix) and the newest passing run of its experiment; with
`allow_failed_gates=true` it goes through and the use is recorded on the run (`moai.
allow_failed_gates`: "true (exported, served)"). A `models:/` reference is resolved to its run
first, so a registered alias is judged exactly as the run behind it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.tracking import tags

if TYPE_CHECKING:
    from mcp_server.ml.tracking.store import MlflowStore
    from mcp_server.ml.tracking.verdict import Verdict
    from mcp_server.ml.tracking.view import RunView


def best_passing(store: MlflowStore, run: RunView) -> str | None:
    """The newest run of the same experiment that was kept (and passed its gates, when the run
    has SPEC gates)."""
    clauses = [tags.tag_filter(tags.KEPT, tags.TRUE)]
    if run.verdict.gates_passed is not None:
        clauses.append(tags.tag_filter(tags.GATES_PASSED, tags.TRUE))
    found = store.search(
        [run.experiment_id], " and ".join(clauses), ["attributes.start_time DESC"], 1
    )
    return found[0].run_id if found else None


def check(store: MlflowStore, run: RunView, use: str, allow_failed_gates: bool) -> Verdict:
    """The run's verdict if `use` (export, serve, register, promote) may go ahead; the refusal
    otherwise. An allowed override is marked on the returned verdict, not yet recorded."""
    verdict = run.verdict
    if not verdict.refused:
        return verdict
    if not allow_failed_gates:
        raise MoaiMlError(verdict.refusal(run.run_id, use, best_passing(store, run)))
    return verdict


def passed(verdict: Verdict, use: str) -> Verdict:
    """The verdict once `use` went ahead: marked as an override when the run was refused."""
    return verdict.overriding(use) if verdict.refused else verdict


def record_override(store: MlflowStore, run: RunView, verdict: Verdict, use: str) -> Verdict:
    """Write on the run that `use` went ahead despite its verdict; the verdict saying so."""
    from mcp_server.ml.tracking.store import RunRecord

    if not verdict.refused:
        return verdict
    done = passed(verdict, use)
    store.record(
        RunRecord(experiment="", run_name="", kind="", run_id=run.run_id, tags=done.override_tags())
    )
    return done


def admit(store: MlflowStore, run: RunView, use: str, allow_failed_gates: bool) -> Verdict:
    """`check`, then record an override at once (export and serving write their files next)."""
    return record_override(store, run, check(store, run, use, allow_failed_gates), use)


def open_run(
    store: MlflowStore, ref: str, use: str, allow_failed_gates: bool
) -> tuple[RunView, Verdict]:
    """The run behind a run id or `models:/` URI, admitted through its verdict for `use`."""
    from mcp_server.ml.tracking.model_registry import resolve_run_id

    run = store.get_run(resolve_run_id(store, ref))
    return run, admit(store, run, use, allow_failed_gates)
