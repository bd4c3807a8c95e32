"""What a run's verdict allows: a run that failed its SPEC's gates or was rejected is not exported
or served unless the caller says so explicitly, and then the override is recorded on the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.tracking import tags

if TYPE_CHECKING:
    from mcp_server.ml.tracking.store import MlflowStore


@dataclass(frozen=True)
class Verdict:
    gates_passed: bool | None
    kept: bool | None
    reason: str | None
    overridden: bool = False  # served/exported anyway: allow_failed_gates=true

    @property
    def refused(self) -> bool:
        return self.gates_passed is False or self.kept is False

    def as_dict(self) -> dict[str, Any]:
        return {
            "gates_passed": self.gates_passed,
            "kept": self.kept,
            "rejected_reason": self.reason,
            "allow_failed_gates": self.overridden,
        }


def read_verdict(run_tags: dict[str, str]) -> Verdict:
    def flag(name: str) -> bool | None:
        value = run_tags.get(name)
        return None if value is None else value == "true"

    return Verdict(flag(tags.GATES_PASSED), flag(tags.KEPT), run_tags.get(tags.REJECTED_REASON))


def best_passing(store: MlflowStore, run: Any) -> str | None:
    """The newest run of the same experiment (and SPEC) that passed its gates and was kept."""
    clauses = [tags.tag_filter(tags.KEPT, "true")]
    if run.data.tags.get(tags.GATES_PASSED) is not None:
        clauses.append(tags.tag_filter(tags.GATES_PASSED, "true"))
    found = store.search(
        [run.info.experiment_id], " and ".join(clauses), ["attributes.start_time DESC"], 1
    )
    return str(found[0].info.run_id) if found else None


def check_verdict(store: MlflowStore, run_id: str, what: str, allow_failed_gates: bool) -> Verdict:
    """Refuse a failed or rejected run (naming why and the best passing run), unless allowed;
    an allowed override is written onto the run (`moai.allow_failed_gates`)."""
    from mcp_server.ml.tracking.store import RunRecord

    run = store.get_run(run_id)
    verdict = read_verdict(run.data.tags)
    if not verdict.refused:
        return verdict
    if not allow_failed_gates:
        state = "failed its SPEC's gates" if verdict.gates_passed is False else "was rejected"
        best = best_passing(store, run)
        other = (
            f"the newest passing run of its experiment is {best}; "
            if best
            else "no run of its experiment passed; "
        )
        raise MoaiMlError(
            f"run {run_id} {state} ({verdict.reason or 'no reason recorded'}), so it is "
            f"not {what}: {other}"
            f"pass allow_failed_gates=true to use this run anyway (recorded on the run)"
        )
    store.record(
        RunRecord(
            experiment="",
            run_name="",
            kind="",
            run_id=run_id,
            tags={tags.ALLOW_FAILED_GATES: f"true ({what})"},
        )
    )
    return Verdict(verdict.gates_passed, verdict.kept, verdict.reason, overridden=True)
