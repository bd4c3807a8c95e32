"""A template set's manifest: which file each template becomes, declared next to the templates.

`templates/<set>/manifest.yaml` maps an output path (relative to the workspace, with `{name}`
placeholders filled from the scaffold's identifiers) to a template of the set. Rendering goes
through the one sandboxed Jinja environment; YAML outputs are parsed before anything is written,
so a scaffold either writes every file or none.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mcp_server.errors import MoaiMlError
from mcp_server.workspace import Workspace, WriteReport


@dataclass(frozen=True)
class TemplateSet:
    name: str
    files: dict[str, str]  # output path pattern -> template path (relative to templates/)


def load_manifest(name: str) -> TemplateSet:
    """The template set `templates/<name>/` and its declared output layout."""
    import yaml

    from mcp_server.render import templates_dir

    path = templates_dir() / name / "manifest.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict) or not files:
        raise MoaiMlError(f"template manifest {path} has no 'files' mapping; reinstall moai-domain-ml")
    return TemplateSet(name, {str(out): f"{name}/{tpl}" for out, tpl in files.items()})


def _fill(pattern: str, names: dict[str, str]) -> str:
    fields = {f for _, f, _, _ in string.Formatter().parse(pattern) if f}
    unknown = fields - set(names)
    if unknown:
        raise MoaiMlError(f"manifest path {pattern!r} uses unknown placeholders {sorted(unknown)}")
    return pattern.format_map(names)


def render_set(tset: TemplateSet, names: dict[str, str], context: dict[str, Any]) -> dict[str, str]:
    """Every output of the set rendered in memory: {workspace-relative path: text}."""
    import yaml

    from mcp_server.render import render

    out: dict[str, str] = {}
    for pattern, template in tset.files.items():
        rel = _fill(pattern, names)
        text = render(template, context)
        if rel.endswith((".yaml", ".yml")):
            try:
                yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise MoaiMlError(f"template {template} rendered invalid YAML: {exc}") from exc
        out[rel] = text
    return out


def write_set(workspace: Workspace, files: Mapping[str, bytes | str], overwrite: bool) -> WriteReport:
    """Check every target path first (containment), then write them all."""
    for rel in files:
        workspace.resolve(rel)
    return workspace.write_files(dict(files), overwrite=overwrite)
