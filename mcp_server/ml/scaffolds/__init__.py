"""Scaffolds for the tools teams already run: a DVC pipeline over the generated model pipeline
(`dvc`) and a Feast feature repository for a table (`feast`). Each renders one template set whose
`manifest.yaml` declares the output layout (`manifest`), checks everything before writing, and
writes through `Workspace.write_files` (a file a person edited is never overwritten)."""

from mcp_server.ml.scaffolds.dvc import DvcScaffold, scaffold_dvc
from mcp_server.ml.scaffolds.feast import FeastScaffold, scaffold_feast
from mcp_server.ml.scaffolds.manifest import TemplateSet, template_set

__all__ = [
    "DvcScaffold",
    "FeastScaffold",
    "TemplateSet",
    "scaffold_dvc",
    "scaffold_feast",
    "template_set",
]
