"""`ml_scaffold_dvc` and `ml_scaffold_feast`: files the real `dvc repro` / `feast apply` accept."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

from mcp_server.core.names import RUN_ID
from mcp_server.files.workspace import Workspace
from mcp_server.ml.tdd.generated_tests import DEFAULT_PACKAGE
from mcp_server.tools._common import WRITES_FILES, run_domain
from mcp_server.tools.args import DataPath, Drop
from mcp_server.tools.tdd import Fields, Overwrite, Package, SpecPath, _fields


class DvcScaffoldResult(BaseModel):
    spec_id: str = Field(description="The SPEC the pipeline was scaffolded for")
    folder: str = Field(
        description="Folder of the DVC pipeline (dvc.yaml, params.yaml, stage scripts)"
    )
    dvc_yaml: str = Field(description="The dvc.yaml to reproduce: `dvc repro <dvc_yaml>`")
    stages: list[str] = Field(description="Stages in order: prepare, train, evaluate")
    params: dict[str, Any] = Field(
        description="params.yaml: prepare (seed, test_size), train (model_params)"
    )
    files_written: list[str] = Field(description="Files written or updated")
    files_unchanged: list[str] = Field(description="Files already up to date")
    files_skipped: list[str] = Field(
        description="Files a person edited, kept as they are (overwrite=true replaces)"
    )
    initialized: list[str] = Field(
        description="What init=true ran (git init, dvc init), if anything"
    )
    next_step: str = Field(description="What to run next")
    warnings: list[str] = Field(description="Things to know")


def scaffold_dvc_tool(workspace: Workspace, args: dict[str, Any]) -> DvcScaffoldResult:
    from mcp_server.core.errors import MoaiMlError
    from mcp_server.ml.scaffolds.dvc import scaffold_dvc, spec_of_run
    from mcp_server.ml.tdd.phases import load

    spec_path = args["spec_path"]
    if args["run_id"]:
        if spec_path:
            raise MoaiMlError("give spec_path or run_id, not both")
        spec_path = spec_of_run(workspace, args["run_id"])
    prep = load(workspace, spec_path, args["fields"], args["package"])
    result = scaffold_dvc(workspace, prep, init=args["init"], overwrite=args["overwrite"])
    return DvcScaffoldResult(**asdict(result))


class FeastScaffoldResult(BaseModel):
    name: str = Field(description="Feast project name (feature_store.yaml `project`)")
    folder: str = Field(description="The feature repository: run `feast apply` there")
    entity: str = Field(description="Entity key column (join key)")
    timestamp: str = Field(description="Event timestamp column of the FileSource")
    timestamp_generated: bool = Field(
        description="True when one was generated: the table file's modification time"
    )
    features: dict[str, str] = Field(description="Feature -> Feast dtype, from the data profile")
    rows: int = Field(description="Rows written to the Parquet source")
    entities: int = Field(description="Distinct entity keys")
    time_range: list[str] = Field(description="First and last event time (ISO 8601, UTC)")
    files_written: list[str] = Field(description="Files written or updated")
    files_unchanged: list[str] = Field(description="Files already up to date")
    files_skipped: list[str] = Field(
        description="Files a person edited, kept as they are (overwrite=true replaces)"
    )
    next_step: str = Field(
        description="What to run next (feast apply, feast materialize with the range)"
    )
    warnings: list[str] = Field(description="Things to know")


def scaffold_feast_tool(workspace: Workspace, args: dict[str, Any]) -> FeastScaffoldResult:
    from mcp_server.ml.scaffolds.feast import scaffold_feast

    data_path, entity = args.pop("data_path"), args.pop("entity")
    return FeastScaffoldResult(**asdict(scaffold_feast(workspace, data_path, entity, **args)))


def register(server: MCPServer, workspace: Workspace) -> None:
    """The scaffold tools."""
    _dvc_tool(server, workspace)
    _feast_tool(server, workspace)


def _dvc_tool(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=WRITES_FILES, title="Scaffold a DVC pipeline for a SPEC")
    async def ml_scaffold_dvc(
        spec_path: SpecPath = None,
        run_id: Annotated[
            str | None,
            Field(
                pattern=RUN_ID, description="Instead of spec_path: a TDD run, whose SPEC is used"
            ),
        ] = None,
        fields: Fields = None,
        package: Package = DEFAULT_PACKAGE,
        init: Annotated[
            bool,
            Field(
                description="Run `git init` (if the workspace is no git repository) and `dvc init` "
                "first"
            ),
        ] = False,
        overwrite: Overwrite = False,
    ) -> DvcScaffoldResult:
        """Write a DVC pipeline for a SPEC (or the SPEC of a TDD run_id) whose model pipeline exists
        (ml_tdd_green): pipelines/<id>/dvc.yaml with stages prepare -> train -> evaluate (deps,
        params, outs, metrics.json, plots), params.yaml from the SPEC's ML block (split
        seed/test_size, the estimator's params) and three small stage scripts that import the
        generated pipeline. The workspace must be a git repository (init=true runs git init and dvc
        init). Nothing is written if a check fails; edited files are kept. Next: `dvc repro
        pipelines/<id>/dvc.yaml`, `dvc metrics show`."""
        args = {
            "spec_path": spec_path,
            "run_id": run_id,
            "fields": _fields(fields),
            "package": package,
            "init": init,
            "overwrite": overwrite,
        }
        return await run_domain(scaffold_dvc_tool, workspace, args)


def _feast_tool(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=WRITES_FILES, title="Scaffold a Feast feature repository for a table")
    async def ml_scaffold_feast(
        data_path: DataPath,
        entity: Annotated[
            str,
            Field(
                min_length=1, max_length=1024, description="Entity key column (e.g. customer_id)"
            ),
        ],
        timestamp_column: Annotated[
            str | None,
            Field(
                min_length=1,
                max_length=1024,
                description="Event time column; omit: the file's modification time",
            ),
        ] = None,
        name: Annotated[
            str | None,
            Field(
                pattern=r"^[a-z][a-z0-9_]{0,62}$",
                description="Feast project name; default: the table's file name",
            ),
        ] = None,
        target: Annotated[
            str | None,
            Field(
                min_length=1, max_length=1024, description="Label column, kept out of the features"
            ),
        ] = None,
        drop: Drop = [],  # noqa: B006 - pydantic copies defaults
        ttl_days: Annotated[
            int, Field(ge=0, le=36500, description="FeatureView TTL in days; 0 = never expires")
        ] = 0,
        overwrite: Overwrite = False,
    ) -> FeastScaffoldResult:
        """Write a Feast feature repository for the local provider:
        feature_repo/<name>/feature_store.yaml (SQLite online store, file offline store),
        features.py (entity, Parquet FileSource, FeatureView with the profile's dtypes,
        FeatureService), the table as data/<name>.parquet, training.py (point-in-time correct rows
        via get_historical_features) and serving.py (latest values via get_online_features). Refuses
        an entity that is not unique per timestamp or a timestamp column that does not parse;
        nothing is written then. Tecton is proprietary: use Feast. Next: `feast apply`, `feast
        materialize`."""
        args = {
            "data_path": data_path,
            "entity": entity,
            "timestamp_column": timestamp_column,
            "name": name,
            "target": target,
            "drop": list(drop),
            "ttl_days": ttl_days,
            "overwrite": overwrite,
        }
        return await run_domain(scaffold_feast_tool, workspace, args)
