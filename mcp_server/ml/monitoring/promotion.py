"""Gated promotion: an alias (such as `champion`) moves to a model version only when the version's
run passed its SPEC's gates and, where the alias already points at another version, the
challenger beats that champion on the same holdout rows by the SPEC's margin with a paired
bootstrap interval (95 %) lying wholly above the margin. `force=true` overrides a refusal and
is recorded on the version (tags `moai.promotion_forced`, `moai.promotion_reason`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.monitoring.spec_info import SpecReader
from mcp_server.ml.tracking import tags as T
from mcp_server.ml.tracking.model_registry import VersionInfo, resolve_version

if TYPE_CHECKING:
    from mcp_server.ml.tracking.runs import RunStore

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
    comparison: Comparison | None
    reasons: list[str] = field(default_factory=list)


def gate_verdict(run: Any) -> tuple[str, str | None]:
    """('passed' | 'failed' | 'none', why not)."""
    tags = run.data.tags
    value = tags.get(T.GATES_PASSED)
    if value == T.TRUE:
        return "passed", None
    if value == T.FALSE:
        return (
            "failed",
            "its run failed the SPEC's gates "
            f"({tags.get(T.REJECTED_REASON) or 'no reason recorded'})",
        )
    return "none", (
        "run has no gate verdict; produce the model through the SPEC's TDD cycle (ml_tdd_cycle), "
        "which checks the gates, or pass force=true"
    )


def spec_settings(specs: SpecReader, run: Any) -> tuple[str | None, float]:
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
    from mcp_server.ml.modeling.metrics import PRIMARY
    from mcp_server.ml.modeling.metrics_spec import get_metric
    from mcp_server.ml.monitoring.scoring import metric_value, paired_bootstrap, score_rows
    from mcp_server.ml.tracking.run_data import run_data

    assert challenger.run_id and champion.run_id
    new_run, old_run = store.get_run(challenger.run_id), store.get_run(champion.run_id)
    new_model, old_model = store.load_run(challenger.run_id), store.load_run(champion.run_id)
    spec_metric, spec_margin = spec_settings(specs, new_run)
    metric = spec_metric or PRIMARY[new_model.schema.task]
    margin = spec_margin if margin is None else margin
    new_data = run_data(store, new_run, new_model.schema.target, scratch)
    rows, how = new_data.holdout, new_data.holdout_how
    same_table = new_run.data.tags.get(T.DATA_SHA256) == old_run.data.tags.get(T.DATA_SHA256)
    if same_table:
        old_data = run_data(store, old_run, old_model.schema.target, scratch)
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
    store: RunStore,
    name: str,
    version: int,
    alias: str,
    force: bool,
    margin: float | None,
    scratch: Path,
    specs: SpecReader,
) -> PromoteOutcome:
    challenger = resolve_version(store, f"models:/{name}/{version}")
    if not challenger.run_id:
        raise MoaiMlError(f"version {version} of {name!r} has no source run; it cannot be checked")
    run = store.get_run(challenger.run_id)
    gates, why = gate_verdict(run)
    reasons = [why] if why else []
    previous = _holder(store, name, alias)
    comparison = None
    if previous is not None and previous.version == challenger.version:
        return PromoteOutcome(
            name,
            version,
            alias,
            True,
            False,
            version,
            gates,
            None,
            [f"version {version} already holds @{alias}"],
        )
    if previous is not None and previous.run_id:
        comparison = compare(store, challenger, previous, margin, scratch, specs)
        if not comparison.passed:
            reasons.append(_why_not(comparison, previous.version))
    if reasons and not force:
        return PromoteOutcome(
            name, version, alias, False, False, _v(previous), gates, comparison, reasons
        )
    _record(store, name, version, alias, force and bool(reasons), reasons)
    return PromoteOutcome(
        name,
        version,
        alias,
        True,
        force and bool(reasons),
        _v(previous),
        gates,
        comparison,
        reasons,
    )


def _v(info: VersionInfo | None) -> int | None:
    return None if info is None else info.version


def _holder(store: RunStore, name: str, alias: str) -> VersionInfo | None:
    from mlflow.exceptions import MlflowException

    from mcp_server.ml.tracking.model_registry import version_info

    try:
        return version_info(store.client.get_model_version_by_alias(name, alias))
    except MlflowException:
        return None


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
    store: RunStore, name: str, version: int, alias: str, forced: bool, reasons: list[str]
) -> None:
    client = store.client
    client.set_registered_model_alias(name, alias, str(version))
    client.set_model_version_tag(name, str(version), T.PROMOTED_AS, alias)
    if forced:
        client.set_model_version_tag(name, str(version), T.PROMOTION_FORCED, T.TRUE)
        client.set_model_version_tag(
            name, str(version), "moai.promotion_reason", "; ".join(reasons)[:4000]
        )
        text = f"Promoted to @{alias} with force=true despite: {'; '.join(reasons)}"
        client.update_model_version(name, str(version), description=text[:4000])
