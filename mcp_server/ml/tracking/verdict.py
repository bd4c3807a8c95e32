"""A run's verdict: one typed value, made when the run is recorded and read back from its tags.

Whether the run met its SPEC's gates (`None` without SPEC gates), whether it was kept (`False`:
rejected, with the reason), and whether someone used it anyway (`allow_failed_gates`, recorded
on the run with what they did). Every door a model passes through (export, serving, register,
promote, `models:/` resolution for those) asks `refused` and words the refusal with `refusal`,
so they refuse the same runs in the same words (`tracking.doors`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from mcp_server.ml.tracking import tags

GatesWord = Literal["passed", "failed", "none"]
# What a door does with a model, as the verb of a refusal and the word recorded on the run.
USES = {
    "export": "exported",
    "serve": "served",
    "register": "registered",
    "promote": "promoted",
    "score": "scored",
}
OVERRIDE = "allow_failed_gates"  # the one override of a refused verdict, at every door
UNMET_PREFIX = "SPEC gates not met: "
# who decides when a gate stays unmet: every door's advice says it in these words
OWNER_DECIDES = (
    "the SPEC's owner must decide (more or better data, new features, another target or gate)"
)
STOP_FOR_OWNER = f"Stop here: {OWNER_DECIDES}"
MAX_REASON = 500


@dataclass(frozen=True)
class Verdict:
    gates_passed: bool | None  # None: the run has no SPEC gates
    kept: bool | None  # False: rejected (see reason); None: never judged (a run without a model)
    reason: str | None = None  # why it is refused (gates unmet, rejected)
    overridden: tuple[str, ...] = ()  # what was done with it despite the verdict (recorded)

    @classmethod
    def against_gates(cls, unmet: list[str] | None, note: str = "") -> Verdict:
        """A run measured against its SPEC's gates (`None`: no SPEC gates, so kept)."""
        if unmet is None:
            return cls(None, True)
        reason = f"{UNMET_PREFIX}{'; '.join(unmet)}{note}" if unmet else None
        return cls(not unmet, not unmet, reason)

    @classmethod
    def from_tags(cls, run_tags: Mapping[str, str]) -> Verdict:
        def flag(name: str) -> bool | None:
            value = run_tags.get(name)
            return None if value is None else value == tags.TRUE

        used = run_tags.get(tags.ALLOW_FAILED_GATES, "")
        listed = used.partition("(")[2].rstrip(")").split(",")
        overridden = tuple(u.strip() for u in listed if u.strip()) or ((used,) if used else ())
        return cls(
            flag(tags.GATES_PASSED), flag(tags.KEPT), run_tags.get(tags.REJECTED_REASON), overridden
        )

    def tags(self) -> dict[str, str]:
        """The verdict as run tags: gates (omitted without SPEC gates), kept, why not."""
        out = {} if self.kept is None else {tags.KEPT: tags.flag(self.kept)}
        if self.gates_passed is not None:
            out[tags.GATES_PASSED] = tags.flag(self.gates_passed)
        if self.reason and self.refused:
            out[tags.REJECTED_REASON] = self.reason[:MAX_REASON]
        return out

    def overriding(self, use: str) -> Verdict:
        """This verdict once `use` (export, serve, ...) went ahead despite it."""
        return replace(self, overridden=tuple(dict.fromkeys([*self.overridden, USES[use]])))

    def override_tags(self) -> dict[str, str]:
        """The tag recording every use that went ahead despite the verdict."""
        return {tags.ALLOW_FAILED_GATES: f"{tags.TRUE} ({', '.join(self.overridden)})"}

    @property
    def refused(self) -> bool:
        """The run failed its gates or was rejected: no door lets it through without the
        override."""
        return self.gates_passed is False or self.kept is False

    @property
    def gates(self) -> GatesWord:
        if self.gates_passed is None:
            return "none"
        return "passed" if self.gates_passed else "failed"

    def why(self) -> str:
        """`failed its SPEC's gates: r2 0.17 (needs >= 0.5)` or `was rejected: ...` (one line)."""
        reason = " ".join((self.reason or "no reason recorded").split())
        if self.gates_passed is False:
            return f"failed its SPEC's gates: {reason.removeprefix(UNMET_PREFIX)}"
        return f"was rejected: {reason}"

    def refusal(self, run_id: str, use: str, best: str | None) -> str:
        """The one refusal of every door, the fix first (a message cut at its end keeps it)."""
        other = (
            f"use run {best}, the newest passing run of its experiment"
            if best
            else "make a run that passes (no run of its experiment passed)"
        )
        return (
            f"pass {OVERRIDE}=true to {use} it anyway (recorded on the run), or {other}: "
            f"run {run_id} {self.why()}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "gates_passed": self.gates_passed,
            "kept": self.kept,
            "rejected_reason": self.reason,
            OVERRIDE: bool(self.overridden),
        }
