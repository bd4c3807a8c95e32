"""The one judge of a TDD phase's run: the SPEC's gates against the holdout the generated pipeline
measured, and the tests' outcome, make its `Verdict` (`ml/tracking/verdict.py`). Every run a RED,
GREEN or REFACTOR call records gets its verdict here, a REFACTOR candidate that was not kept too."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcp_server.ml.modeling.metrics_spec import get_metric, passes
from mcp_server.ml.tracking.verdict import Verdict

if TYPE_CHECKING:
    from mcp_server.ml.capability import Call
    from mcp_server.ml.tdd.run import PytestRun
    from mcp_server.ml.tdd.spec_data import SpecData


@dataclass
class Gate:
    name: str
    value: float | None
    threshold: float
    direction: str  # max (>=) | min (<=)
    passed: bool


def gates(prep: SpecData, measured: dict[str, Any]) -> list[Gate]:
    """The SPEC's primary and secondary gates against the holdout values the pipeline measured."""
    spec = prep.spec
    values = measured.get("holdout", {})
    out = []
    for name, threshold in {spec.metric: spec.threshold, **spec.secondary}.items():
        metric = get_metric(name, spec.task)
        value = values.get(name)
        ok = value is not None and passes(metric, float(value), threshold)
        rounded = None if value is None else round(float(value), 4)
        out.append(Gate(name, rounded, threshold, metric.direction, ok))
    return out


def verdict(found: list[Gate], run: PytestRun, rejected: str | None = None) -> Verdict:
    """Gates met and tests passed: kept; else why not. `rejected`: a REFACTOR candidate that was
    replaced (its gates stand as measured, it is kept no more)."""
    unmet = [
        f"{g.name} {g.value} (needs {'>=' if g.direction == 'max' else '<='} {g.threshold})"
        for g in found
        if not g.passed
    ]
    if rejected is not None:
        return Verdict(not unmet, False, rejected)
    failing = [t.name for t in run.outcomes if t.status != "passed"]
    tests = [f"tests failed: {', '.join(failing[:5])}"] if failing else []
    return Verdict(not unmet, run.all_passed, "; ".join([*tests, *unmet]))


def judge(call: Call[Any], outcome: Any) -> Verdict | None:
    """The capability's judge step: the verdict of the attempt the phase answers with (RED
    records no run and has none); the record step gives each staged run its own, from `verdict`.
    `outcome`: a `requests.PhaseOutcome` (not imported: it holds the attempts this judges)."""
    final = outcome.final
    if final is None:
        return None
    return verdict(final.gates, final.run, final.rejected)
