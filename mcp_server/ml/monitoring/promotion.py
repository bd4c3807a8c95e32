"""Gated promotion: an alias (such as `champion`) moves to a model version only when the version's
run passed its SPEC's gates and, where the alias already points at another version, the
challenger beats that champion on the same holdout rows by the SPEC's margin with a paired
bootstrap interval (95 %) lying wholly above the margin.

A run its verdict refuses (gates failed, rejected) is refused exactly as export and serving
refuse it (`tracking.doors`), and only `allow_failed_gates=true` lets it through, recorded on the
run and the version: so a champion is never a model serving would refuse without an override.
`force=true` overrides the rest (no gate verdict, a lost comparison) and is recorded on the
version (tags `moai.promotion_forced`, `moai.promotion_reason`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.monitoring.spec_info import SpecReader
from mcp_server.ml.tracking import tags as T
from mcp_server.ml.tracking.doors import record_override
from mcp_server.ml.tracking.model_registry import (
    VersionInfo,
    alias_holder,
    resolve_version,
    set_alias,
)

if TYPE_CHECKING:
    from mcp_server.ml.tracking.runs import RunStore
    from mcp_server.ml.tracking.verdict import Verdict
    from mcp_server.ml.tracking.view import RunView

MIN_SHARED_ROWS = 20


@dataclass
class Comparison:
    metric: str
    challenger: float | None
    champion: float | None
    difference: float | None  # challenger - champion, signed so that > 0 means better
    low: float
    high: float
    margin: float
    rows: int
    holdout: str
    passed: bool


@dataclass
class PromoteOutcome:
    name: str
    version: int
    alias: str
    promoted: bool
    forced: bool
    previous: int | None
    gates: str  # "passed" | "failed" | "none"
    comparison: Comparison | None = None
    reasons: list[str] = field(default_factory=list)
    verdict: Verdict | None = None  # the run's, with the override when one let it through


@dataclass(frozen=True)
class PromoteRequest:
    name: str
    version: int
    alias: str = "champion"
    force: bool = False  # promote despite no gate verdict or a lost comparison
    allow_failed_gates: bool = False  # promote a run its verdict refuses (recorded)
    margin: float | None = None  # default: the SPEC's promotion_margin, else 0


NO_GATES = (
    "run has no gate verdict; produce the model through the SPEC's TDD cycle (ml_tdd_cycle), "
    "which checks the gates, or pass force=true"
)


def spec_settings(specs: SpecReader, run: RunView) -> tuple[str | None, float]:
    """(metric, promotion margin) from the run's SPEC when there is one."""
    info = specs(run)
    return (None, 0.0) if info is None else (info.metric, info.margin)


def compare(
    store: RunStore,
    challenger: VersionInfo,
    champion: VersionInfo,
    margin: float | None,
    scratch: Path,
    specs: SpecReader,
) -> Comparison:
    """Both models on the challenger's holdout rows (those the champion did not train on, when both
    came from the same table), paired bootstrap of the difference."""
    from mcp_server.ml.modeling.holdout_stats import metric_value
    from mcp_server.ml.modeling.metrics import PRIMARY
    from mcp_server.ml.modeling.metrics_spec import get_metric
    from mcp_server.ml.monitoring.scoring import paired_bootstrap, score_rows
    from mcp_server.ml.tracking.run_data import run_data

    assert challenger.run_id and champion.run_id
    new_run, old_run = store.get_run(challenger.run_id), store.get_run(champion.run_id)
    new_model, old_model = store.load_run(challenger.run_id), store.load_run(champion.run_id)
    spec_metric, spec_margin = spec_settings(specs, new_run)
    metric = spec_metric or PRIMARY[new_model.schema.task]
    margin = spec_margin if margin is None else margin
    new_data = run_data(store, new_run, new_model.schema, scratch)
    rows, how = new_data.holdout, new_data.holdout_how
    same_table = new_run.tag(T.DATA_SHA256) == old_run.tag(T.DATA_SHA256)
    if same_table:
        old_data = run_data(store, old_run, old_model.schema, scratch)
        shared = rows.index.intersection(old_data.holdout.index)
        if len(shared) >= MIN_SHARED_ROWS:
            rows, how = rows.loc[shared], f"{len(shared)} rows held out from both runs"
    new_scored, old_scored = score_rows(new_model, rows), score_rows(old_model, rows)
    sign = 1.0 if get_metric(metric).greater_is_better else -1.0
    a, b = metric_value(metric, new_scored), metric_value(metric, old_scored)
    low, high = paired_bootstrap(metric, new_scored, old_scored)
    low, high = sorted((sign * low, sign * high))
    diff = None if a is None or b is None else sign * (a - b)
    return Comparison(
        metric=metric,
        challenger=a,
        champion=b,
        difference=diff,
        low=low,
        high=high,
        margin=margin,
        rows=len(rows),
        holdout=how,
        passed=diff is not None and low > margin,
    )


def promote(
    store: RunStore, request: PromoteRequest, scratch: Path, specs: SpecReader
) -> PromoteOutcome:
    """Move the alias when the version's run passes every door check and beats the holder.

    A run refused by its verdict is refused as every door refuses it (an error naming
    `allow_failed_gates`); no gate verdict or a lost comparison is a refusal `force` overrides."""
    from mcp_server.ml.tracking.doors import check

    name, version, alias = request.name, request.version, request.alias
    challenger = resolve_version(store, f"models:/{name}/{version}")
    if not challenger.run_id:
        raise MoaiMlError(
            f"version {version} of {name!r} has no source run; it cannot be checked: promote a "
            "version registered from a run (ml_register_model)"
        )
    store.require_signed(challenger.run_id, "promote")  # `force` overrides gates, never this
    run = store.get_run(challenger.run_id)
    verdict = check(store, run, "promote", request.allow_failed_gates)
    reasons = [NO_GATES] if verdict.gates_passed is None else []
    previous = alias_holder(store, name, alias)
    outcome = PromoteOutcome(
        name, version, alias, False, False, _v(previous), verdict.gates, verdict=verdict
    )
    if previous is not None and previous.version == challenger.version:
        outcome.promoted, outcome.reasons = True, [f"version {version} already holds @{alias}"]
        return outcome
    if previous is not None and previous.run_id:
        outcome.comparison = compare(store, challenger, previous, request.margin, scratch, specs)
        if not outcome.comparison.passed:
            reasons.append(_why_not(outcome.comparison, previous.version))
    outcome.reasons = reasons
    if reasons and not request.force:
        return outcome
    outcome.promoted, outcome.forced = True, bool(reasons)
    outcome.verdict = record_override(store, run, verdict, "promote")
    _record(store, challenger, alias, outcome, outcome.verdict)
    return outcome


def _v(info: VersionInfo | None) -> int | None:
    return None if info is None else info.version


def _why_not(c: Comparison, champion: int) -> str:
    if c.difference is None:
        return f"{c.metric} is undefined on the shared holdout ({c.rows} rows)"
    return (
        f"the challenger does not beat version {champion} on {c.metric} by the margin "
        f"{c.margin:g}: "
        f"difference {c.difference:+.4f}, 95% interval [{c.low:+.4f}, {c.high:+.4f}] on "
        f"{c.rows} rows"
    )


def _record(
    store: RunStore, info: VersionInfo, alias: str, outcome: PromoteOutcome, verdict: Verdict
) -> None:
    """The alias moved; on the version: the alias, and what force or the override let through."""
    marks = {T.PROMOTED_AS: alias}
    note = None
    if outcome.forced:
        marks.update({T.PROMOTION_FORCED: T.TRUE, T.PROMOTION_REASON: "; ".join(outcome.reasons)})
        note = f"Promoted to @{alias} with force=true despite: {'; '.join(outcome.reasons)}"
    if verdict.overridden:
        marks.update(verdict.override_tags())
        note = f"Promoted to @{alias} with allow_failed_gates=true: its run {verdict.why()}"
    set_alias(store, info, alias, {k: v[:4000] for k, v in marks.items()}, note)
