"""What a tune tells the agent after it: each SPEC gate against the best CV (with its std) and
the holdout, whether tuning closed the gap, and the one call to make next.

When the tuned winner meets the SPEC's primary gate in CV, REFACTOR is next with that family and
a tuning budget: the pinned tests decide, as always. When it does not, the SPEC's owner decides
(more or better data, features, another target); a threshold is never lowered here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcp_server.ml.tracking.verdict import STOP_FOR_OWNER

if TYPE_CHECKING:
    from mcp_server.ml.spec.reader import MlSpec
    from mcp_server.ml.tracking.verdict import Verdict
    from mcp_server.ml.tuning.job import TuneOutcome

OWNER = f"{STOP_FOR_OWNER}; thresholds are never lowered by the tools"


@dataclass(frozen=True)
class GateCheck:
    """One gate of the SPEC against the tuned winner."""

    metric: str
    needs: str  # ">= 0.8" or "<= 2.0"
    cv: float | None  # the best CV mean (the searched metric only)
    cv_std: float | None
    holdout: float | None  # on the SPEC's holdout (spec_path only)
    met: bool  # on the holdout when there is one, else in CV


def gate_checks(spec: MlSpec, out: TuneOutcome) -> list[GateCheck]:
    from mcp_server.ml.modeling.metrics_spec import get_metric, passes

    checks = []
    for name, threshold in {spec.metric: spec.threshold, **spec.secondary}.items():
        metric = get_metric(name)
        searched = name == out.metric
        cv = out.cv_mean if searched else None
        held = (out.holdout_metrics or {}).get(name)
        judged = held if out.holdout_metrics is not None else cv
        checks.append(
            GateCheck(
                metric=name,
                needs=f"{'>=' if metric.greater_is_better else '<='} {threshold}",
                cv=cv,
                cv_std=out.cv_std if searched else None,
                holdout=None if held is None else round(float(held), 6),
                met=judged is not None and passes(metric, float(judged), threshold),
            )
        )
    return checks


def cv_meets(spec: MlSpec, out: TuneOutcome) -> bool:
    from mcp_server.ml.modeling.metrics_spec import get_metric, passes

    return out.metric == spec.metric and passes(
        get_metric(spec.metric), out.cv_mean, spec.threshold
    )


def verdict_text(spec: MlSpec | None, out: TuneOutcome, verdict: Verdict) -> str:
    """One sentence: what the tune showed against the SPEC."""
    best = f"best CV {out.metric} {out.cv_mean:.4f} ± {out.cv_std:.4f} ({out.best_model})"
    if spec is None:
        return (
            f"{best}; no SPEC gates"
            if verdict.gates_passed is None
            else f"{best}; {_gates(verdict)}"
        )
    sign = ">=" if out.higher_is_better else "<="
    head = f"{best} against {spec.metric} {sign} {spec.threshold}"
    if verdict.gates_passed:
        return f"{head}: tuning closed the gap; every gate is met on the SPEC's holdout"
    if cv_meets(spec, out):
        return f"{head}: met in CV, but {verdict.reason} on the holdout (the noisier estimate)"
    return f"{head}: tuning did not close the gap ({verdict.reason})"


def _gates(verdict: Verdict) -> str:
    return "the SPEC's gates are met in CV" if verdict.gates_passed else str(verdict.reason)


def next_step(
    spec: MlSpec | None, args: Any, out: TuneOutcome, verdict: Verdict, run_id: str
) -> str:
    """The one call to make next (the REFACTOR with the tuned family when CV meets the gate)."""
    if spec is None:
        if verdict.refused and args.spec_id:
            return (
                f"ml_tune(spec_path='{args.spec_id}') tunes on the SPEC's training split and "
                "judges the winner on its holdout"
            )
        return (
            f"ml_export(run_id='{run_id}'); every row was searched and refitted on, so "
            "ml_evaluate it only on labelled rows it has not seen"
        )
    if verdict.gates_passed or cv_meets(spec, out):
        family = out.members[0]["model"]
        budget = int(max(60, round(args.time_budget_s)))
        return (
            f"ml_tdd_refactor(spec_path='{args.spec_path}', fields={{'candidates': "
            f"['{family}'], 'tune_budget_s': {budget}}}): REFACTOR tunes {family} on the same "
            "training split and the pinned tests decide"
        )
    return OWNER
