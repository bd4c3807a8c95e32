"""Rendering a scaffold's template set and writing it: all files or none.

The set's `manifest.yaml` (read by `template_sets`) declares every output path. Here the rendered
YAML files are parsed and every target path is checked for containment before the first write.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.workspace import Workspace, WriteReport


def render_group(set_name: str, group: str, context: Mapping[str, Any]) -> dict[str, str]:
    """The group's files rendered in memory, {workspace-relative path: text}; YAML outputs
    parsed."""
    import yaml

    from mcp_server.files.template_sets import template_set

    files = template_set(set_name).render(group, dict(context))
    for rel, text in files.items():
        if rel.endswith((".yaml", ".yml")):
            try:
                yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise MoaiMlError(
                    f"the {set_name} template for {rel} rendered invalid YAML ({exc}); the "
                    "installed templates are damaged: pip install --force-reinstall moai-domain-ml"
                ) from exc
    return files


def write_all(
    workspace: Workspace, files: Mapping[str, bytes | str], overwrite: bool
) -> WriteReport:
    """Check every target path first (containment), then write them all."""
    for rel in files:
        workspace.resolve(rel)
    return workspace.write_files(dict(files), overwrite=overwrite)
