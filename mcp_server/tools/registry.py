"""`ml_register_model`, `ml_promote`, `ml_list_models`: the MLflow model registry, gated."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

from mcp_server.files.workspace import Workspace
from mcp_server.tools._common import READ_ONLY, run_domain, run_store, staging
from mcp_server.tools.args import RunRef

MODEL_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.\- ]{0,199}$"
ALIAS = r"^[A-Za-z_][A-Za-z0-9_\-]{0,99}$"
REGISTERS = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)
MOVES_ALIAS = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False
)
RegisteredName = Annotated[str, Field(pattern=MODEL_NAME, max_length=200)]
ModelName = Annotated[RegisteredName, Field(description="Registered model name")]


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


class ModelSummary(BaseModel):
    name: str = Field(description="Registered model name")
    aliases: dict[str, int] = Field(description="alias -> version")
    versions: list[VersionSummary] = Field(description="Versions, newest first (up to `limit`)")


class ModelList(BaseModel):
    models: list[ModelSummary] = Field(description="Registered models")
    count: int = Field(description="How many are listed")


def _summary(v: Any) -> VersionSummary:
    return VersionSummary(
        name=v.name,
        version=v.version,
        run_id=v.run_id,
        aliases=sorted(v.aliases),
        gates=v.tags.get("moai.gates_passed", "none"),
        uri=f"models:/{v.name}/{v.version}",
    )


def register_model(
    workspace: Workspace, run_id: str, name: str | None, description: str | None
) -> RegisterResult:
    from mcp_server.ml.tracking.model_registry import register, resolve_run_id

    store = run_store(workspace)
    made = register(store, resolve_run_id(store, run_id), name, description)
    return RegisterResult(
        **_summary(made).model_dump(),
        spec_id=made.tags.get("moai.spec_id"),
        data_sha256=made.tags.get("moai.data_sha256"),
    )


def promote_model(workspace: Workspace, args: dict[str, Any]) -> PromoteResult:
    from mcp_server.ml.monitoring.promotion import promote
    from mcp_server.ml.monitoring.spec_info import spec_reader

    with staging(workspace) as folder:
        out = promote(
            run_store(workspace),
            args["name"],
            args["version"],
            args["alias"],
            args["force"],
            args["margin"],
            folder,
            spec_reader(workspace),
        )
    c = out.comparison
    comparison = None
    if c is not None:
        comparison = ComparisonResult(
            metric=c.metric,
            challenger=_r(c.challenger),
            champion=_r(c.champion),
            difference=_r(c.difference),
            interval=[round(c.low, 6), round(c.high, 6)],
            margin=c.margin,
            rows=c.rows,
            holdout=c.holdout,
        )
    return PromoteResult(
        name=out.name,
        version=out.version,
        alias=out.alias,
        promoted=out.promoted,
        forced=out.forced,
        previous_version=out.previous,
        gates=out.gates,
        comparison=comparison,
        reasons=out.reasons,
    )


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def list_models(workspace: Workspace, name: str | None, limit: int) -> ModelList:
    from mcp_server.ml.tracking.model_registry import list_models as listing

    models = [
        ModelSummary(
            name=m.name,
            aliases={k: int(v) for k, v in (m.aliases or {}).items()},
            versions=[_summary(v) for v in found],
        )
        for m, found in listing(run_store(workspace), name, limit)
    ]
    return ModelList(models=models, count=len(models))


def register(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=REGISTERS, title="Register a model version")
    async def ml_register_model(
        run_id: RunRef,
        name: Annotated[
            RegisteredName | None, Field(description="Model name; default SPEC-<id>")
        ] = None,
        description: Annotated[
            str | None, Field(max_length=2000, description="Version description")
        ] = None,
    ) -> RegisterResult:
        """Register a run's logged model as a new version of an MLflow registered model (created if
        needed),
        named after the run's SPEC by default (SPEC-ML-001). The version carries the run's SPEC id,
        data hash
        and gate verdict as tags. Returns models:/name/N, which loads with mlflow.pyfunc.load_model
        and works
        wherever a run_id is taken. Next: ml_promote to point an alias such as champion at it."""
        return await run_domain(register_model, workspace, run_id, name, description)

    @server.tool(annotations=MOVES_ALIAS, title="Promote a model version")
    async def ml_promote(
        name: ModelName,
        version: Annotated[int, Field(ge=1, le=10**9, description="Version to promote")],
        alias: Annotated[
            str, Field(pattern=ALIAS, max_length=100, description="Alias to set")
        ] = "champion",
        force: Annotated[
            bool, Field(description="Promote despite a refusal; recorded on the version")
        ] = False,
        margin: Annotated[
            float | None,
            Field(
                ge=0,
                le=1e6,
                description="Required improvement over the champion; default the SPEC's "
                "promotion_margin, else 0",
            ),
        ] = None,
    ) -> PromoteResult:
        """Point an alias (default champion) at a model version, only if its run passed its SPEC's
        gates and,
        when the alias already points at another version, the new version beats that champion on the
        same
        holdout rows by the margin: both are scored with the SPEC's metric and a 95%
        paired-bootstrap interval
        of the improvement must lie wholly above the margin. The result shows both scores and the
        interval.
        A refused promotion changes nothing; force=true overrides and is recorded on the version."""
        args = {"name": name, "version": version, "alias": alias, "force": force, "margin": margin}
        return await run_domain(promote_model, workspace, args)

    @server.tool(annotations=READ_ONLY, title="List registered models")
    async def ml_list_models(
        name: Annotated[RegisteredName | None, Field(description="Only this model")] = None,
        limit: Annotated[
            int, Field(ge=1, le=100, description="Versions shown per model, newest first")
        ] = 5,
    ) -> ModelList:
        """List the MLflow registered models with their aliases and newest versions (run id, gate
        verdict,
        aliases, models:/ URI), compactly. Use the URIs (models:/name@champion, models:/name/3)
        wherever a
        run_id is taken: ml_evaluate, ml_export, ml_generate_serving, ml_detect_drift,
        ml_monitor_performance."""
        return await run_domain(list_models, workspace, name, limit)
