"""Results of the model registry tools (`tools/registry.py`): versions, promotions, listings."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from mcp_server.ml.tracking import tags
from mcp_server.ml.tracking.verdict import OWNER_DECIDES

VERDICT = "The run's verdict: gates_passed, kept, rejected_reason, allow_failed_gates (an override)"


class VersionSummary(BaseModel):
    name: str = Field(description="Registered model name")
    version: int = Field(description="Version number")
    run_id: str | None = Field(description="The run the version's model came from")
    aliases: list[str] = Field(description="Aliases pointing at this version (champion, …)")
    gates: str = Field(description="The run's SPEC gate verdict: true, false or none")
    uri: str = Field(
        description="models:/name/N — loads with mlflow.pyfunc.load_model, works as a run_id"
    )


class RegisterResult(VersionSummary):
    spec_id: str | None = Field(description="SPEC of the run, if any")
    data_sha256: str | None = Field(description="Hash of the table the run was trained on")
    verdict: dict[str, Any] = Field(description=VERDICT)
    next_step: str = Field(description="The call to make next")


class ComparisonResult(BaseModel):
    metric: str = Field(description="Metric compared (the SPEC's, else the task's primary metric)")
    challenger: float | None = Field(description="The new version's score on the shared holdout")
    champion: float | None = Field(description="The current alias holder's score on the same rows")
    difference: float | None = Field(description="Improvement (positive = challenger better)")
    interval: list[float] = Field(description="95% paired-bootstrap interval of the improvement")
    margin: float = Field(description="Required improvement: the whole interval must lie above it")
    rows: int = Field(description="Holdout rows both models were scored on")
    holdout: str = Field(description="Which rows those are")


class PromoteResult(BaseModel):
    name: str = Field(description="Registered model name")
    version: int = Field(description="The version asked for")
    alias: str = Field(description="The alias")
    promoted: bool = Field(description="True when the alias now points at this version")
    forced: bool = Field(
        description="True when force=true overrode a refusal (recorded on the version)"
    )
    previous_version: int | None = Field(
        description="The version that held the alias before, if any"
    )
    gates: str = Field(description="The run's SPEC gate verdict: passed, failed or none")
    comparison: ComparisonResult | None = Field(
        description="Challenger vs champion, when there was a champion"
    )
    reasons: list[str] = Field(description="Why it was refused (or what force overrode)")
    verdict: dict[str, Any] = Field(description=VERDICT)
    next_step: str = Field(description="The call to make next")


class ModelSummary(BaseModel):
    name: str = Field(description="Registered model name")
    aliases: dict[str, int] = Field(description="alias -> version")
    versions: list[VersionSummary] = Field(description="Versions, newest first (up to `limit`)")


class ModelList(BaseModel):
    models: list[ModelSummary] = Field(description="Registered models")
    count: int = Field(description="How many are listed")


def version_summary(v: Any) -> VersionSummary:
    return VersionSummary(
        name=v.name,
        version=v.version,
        run_id=v.run_id,
        aliases=sorted(v.aliases),
        gates=v.tags.get(tags.GATES_PASSED, "none"),
        uri=f"models:/{v.name}/{v.version}",
    )


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def comparison_result(c: Any) -> ComparisonResult | None:
    if c is None:
        return None
    return ComparisonResult(
        metric=c.metric,
        challenger=_r(c.challenger),
        champion=_r(c.champion),
        difference=_r(c.difference),
        interval=[round(c.low, 6), round(c.high, 6)],
        margin=c.margin,
        rows=c.rows,
        holdout=c.holdout,
    )


def promote_result(out: Any) -> PromoteResult:
    return PromoteResult(
        name=out.name,
        version=out.version,
        alias=out.alias,
        promoted=out.promoted,
        forced=out.forced,
        previous_version=out.previous,
        gates=out.gates,
        comparison=comparison_result(out.comparison),
        reasons=out.reasons,
        verdict=out.verdict.as_dict() if out.verdict else {},
        next_step=after_promotion(out),
    )


OWNER = f"{OWNER_DECIDES}; pass allow_failed_gates=true only with their word"


def after_registration(name: str, version: int, verdict: Any) -> str:
    """Promote the version; a gate-failed one only with the SPEC owner's word, a gate-less one
    with force (there is no SPEC to judge it)."""
    call = f"ml_promote(name='{name}', version={version})"
    if verdict.refused:
        return f"{call} refuses a version whose run failed its gates: {OWNER}"
    if verdict.gates_passed is None:
        return (
            f"ml_promote(name='{name}', version={version}, force=true): the run has no SPEC "
            "gates, so promoting it is a choice, recorded on the version"
        )
    return f"{call} makes it the champion if it beats the current one"


def after_promotion(out: Any) -> str:
    """The card of a new champion; why not, when the promotion was refused."""
    if out.promoted:
        return (
            f"ml_model_card(run_id='models:/{out.name}@{out.alias}') documents the {out.alias}; "
            "then watch it with ml_detect_drift and ml_monitor_performance on new rows"
        )
    if out.verdict is not None and out.verdict.refused:
        return f"Stop here: version {out.version}'s run failed its gates; {OWNER}"
    why = "; ".join(out.reasons) or "the comparison was lost"
    return (
        f"Stop here: the {out.alias} stays (version {out.version}: {why}); "
        f"ml_promote(name='{out.name}', version={out.version}, force=true) overrides it, "
        "recorded on the version, only with the SPEC owner's word"
    )
