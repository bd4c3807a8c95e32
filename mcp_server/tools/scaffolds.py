"""`ml_scaffold_dvc` and `ml_scaffold_feast`: files the real `dvc repro` / `feast apply` accept."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

from mcp_server.tools._common import WRITES_FILES, run_domain
from mcp_server.tools.tdd import Fields, Overwrite, Package, SpecPath, _fields
from mcp_server.workspace import Workspace


class DvcScaffoldResult(BaseModel):
    spec_id: str = Field(description="The SPEC the pipeline was scaffolded for")
    folder: str = Field(description="Folder of the DVC pipeline (dvc.yaml, params.yaml, stage scripts)")
    dvc_yaml: str = Field(description="The dvc.yaml to reproduce: `dvc repro <dvc_yaml>`")
    stages: list[str] = Field(description="Stages in order: prepare, train, evaluate")
    params: dict[str, Any] = Field(description="params.yaml: prepare (seed, test_size), train (model_params)")
    files_written: list[str] = Field(description="Files written or updated")
    files_unchanged: list[str] = Field(description="Files already up to date")
    files_skipped: list[str] = Field(description="Files a person edited, kept as they are (overwrite=true replaces)")
    initialized: list[str] = Field(description="What init=true ran (git init, dvc init), if anything")
    next_step: str = Field(description="What to run next")
    warnings: list[str] = Field(description="Things to know")


def scaffold_dvc_tool(
    workspace: Workspace, spec_path: str | None, fields: dict[str, Any], package: str, init: bool, overwrite: bool
) -> DvcScaffoldResult:
    from mcp_server.ml.scaffolds.dvc import scaffold_dvc

    result = scaffold_dvc(workspace, spec_path, fields, package, init=init, overwrite=overwrite)
    return DvcScaffoldResult(**asdict(result))


def register(server: MCPServer, workspace: Workspace) -> None:
    """The scaffold tools."""
    _dvc_tool(server, workspace)


def _dvc_tool(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=WRITES_FILES, title="Scaffold a DVC pipeline for a SPEC")
    async def ml_scaffold_dvc(
        spec_path: SpecPath = None,
        fields: Fields = None,
        package: Package = "ml_project",
        init: Annotated[
            bool, Field(description="Run `git init` (if the workspace is no git repository) and `dvc init` first")
        ] = False,
        overwrite: Overwrite = False,
    ) -> DvcScaffoldResult:
        """Write a DVC pipeline for a SPEC whose model pipeline exists (run ml_tdd_green first):
        pipelines/<id>/dvc.yaml with stages prepare -> train -> evaluate (deps, params, outs, metrics.json,
        plots), params.yaml from the SPEC's ML block (split seed/test_size, the estimator's params) and three
        small stage scripts that import the generated pipeline. The workspace must be a git repository
        (init=true runs git init and dvc init). Nothing is written if a check fails; edited files are kept.
        Next: `dvc repro pipelines/<id>/dvc.yaml`, `dvc metrics show`."""
        return await run_domain(scaffold_dvc_tool, workspace, spec_path, _fields(fields), package, init, overwrite)
