"""`ml_register_model`, `ml_promote`, `ml_list_models`: the MLflow model registry, gated."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations
from pydantic import Field

from mcp_server.files.workspace import Workspace
from mcp_server.ml.monitoring.promotion import PromoteRequest
from mcp_server.ml.tracking import tags
from mcp_server.tools._common import READ_ONLY, run_domain, run_store, staging
from mcp_server.tools.args import AllowFailedGates, RunRef
from mcp_server.tools.registry_models import (
    ModelList,
    ModelSummary,
    PromoteResult,
    RegisterResult,
    after_registration,
    promote_result,
    version_summary,
)

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
Version = Annotated[int, Field(ge=1, le=10**9, description="Version to promote")]
Alias = Annotated[str, Field(pattern=ALIAS, max_length=100, description="Alias to set")]
Force = Annotated[
    bool,
    Field(
        description="Promote despite no gate verdict or a lost comparison (recorded); a failed "
        "or rejected run needs allow_failed_gates"
    ),
]
Margin = Annotated[
    float | None,
    Field(
        ge=0,
        le=1e6,
        description="Required improvement over the champion; default the SPEC's "
        "promotion_margin, else 0",
    ),
]


def register_model(
    workspace: Workspace,
    run_id: str,
    name: str | None,
    description: str | None,
    allow_failed_gates: bool = False,
) -> RegisterResult:
    from mcp_server.ml.tracking.doors import open_run
    from mcp_server.ml.tracking.model_registry import register

    store = run_store(workspace)
    run, verdict = open_run(store, run_id, "register", allow_failed_gates)
    store.require_signed(run.run_id, "register")
    made = register(store, run, verdict, name, description)
    return RegisterResult(
        **version_summary(made).model_dump(),
        spec_id=run.spec_id,
        data_sha256=run.tag(tags.DATA_SHA256),
        verdict=verdict.as_dict(),
        next_step=after_registration(made.name, int(made.version), verdict),
    )


def promote_model(workspace: Workspace, request: PromoteRequest) -> PromoteResult:
    from mcp_server.ml.monitoring.promotion import promote
    from mcp_server.ml.monitoring.spec_info import spec_reader

    with staging(workspace) as folder:
        out = promote(run_store(workspace), request, folder, spec_reader(workspace))
    return promote_result(out)


def list_models(workspace: Workspace, name: str | None, limit: int) -> ModelList:
    from mcp_server.ml.tracking.model_registry import list_models as listing

    models = [
        ModelSummary(
            name=m.name,
            aliases={k: int(v) for k, v in (m.aliases or {}).items()},
            versions=[version_summary(v) for v in found],
        )
        for m, found in listing(run_store(workspace), name, limit)
    ]
    return ModelList(models=models, count=len(models))


def register(server: MCPServer, workspace: Workspace) -> None:
    _register_versions(server, workspace)
    _register_aliases(server, workspace)


def _register_versions(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=REGISTERS, title="Register a model version")
    async def ml_register_model(
        run_id: RunRef,
        name: Annotated[
            RegisteredName | None, Field(description="Model name; default SPEC-<id>")
        ] = None,
        description: Annotated[
            str | None, Field(max_length=2000, description="Version description")
        ] = None,
        allow_failed_gates: AllowFailedGates = False,
    ) -> RegisterResult:
        """Register a run's logged model as a new version of an MLflow registered model (created if
        needed), named after the run's SPEC by default (SPEC-ML-001). The version carries the run's
        SPEC id, data hash and verdict as tags. A run that failed its SPEC's gates or was rejected
        is refused unless allow_failed_gates=true (recorded on the run and the version). Returns
        models:/name/N, which loads with mlflow.pyfunc.load_model and works wherever a run_id is
        taken. Next: ml_promote to point an alias such as champion at it."""
        return await run_domain(
            register_model, workspace, run_id, name, description, allow_failed_gates
        )


def _register_aliases(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=MOVES_ALIAS, title="Promote a model version")
    async def ml_promote(
        name: ModelName,
        version: Version,
        alias: Alias = "champion",
        force: Force = False,
        margin: Margin = None,
        allow_failed_gates: AllowFailedGates = False,
    ) -> PromoteResult:
        """Point an alias (default champion) at a model version, only if its run passed its SPEC's
        gates and, when the alias already points at another version, the new version beats that
        champion on the same holdout rows by the margin: both are scored with the SPEC's metric and
        a 95% paired-bootstrap interval of the improvement must lie wholly above the margin. The
        result shows both scores and the interval. A refused promotion changes nothing; force=true
        overrides and is recorded on the version. A run that failed its gates or was rejected is
        refused like export and serving refuse it, unless allow_failed_gates=true."""
        request = PromoteRequest(name, version, alias, force, allow_failed_gates, margin)
        return await run_domain(promote_model, workspace, request)

    @server.tool(annotations=READ_ONLY, title="List registered models")
    async def ml_list_models(
        name: Annotated[RegisteredName | None, Field(description="Only this model")] = None,
        limit: Annotated[
            int, Field(ge=1, le=100, description="Versions shown per model, newest first")
        ] = 5,
    ) -> ModelList:
        """List the MLflow registered models with their aliases and newest versions (run id, gate
        verdict, aliases, models:/ URI), compactly. Use the URIs (models:/name@champion,
        models:/name/3) wherever a run_id is taken: ml_evaluate, ml_export, ml_generate_serving,
        ml_detect_drift, ml_monitor_performance."""
        return await run_domain(list_models, workspace, name, limit)
