"""A template set's manifest: which file each template becomes, declared next to the templates.

`templates/<set>/manifest.yaml` names every output (`outputs`: a `path` with `{placeholders}`,
and the `template` that makes it, if one does) and the outputs rendered together (`groups`) —
the same format as the other template sets. Rendering goes through the one sandboxed Jinja
environment; YAML outputs are parsed before anything is written, so a scaffold writes every
file or none.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from mcp_server.errors import MoaiMlError
from mcp_server.workspace import Workspace, WriteReport

_SEGMENT = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class TemplateSet:
    name: str
    outputs: dict[str, dict[str, Any]]
    groups: dict[str, list[str]]

    def path(self, output: str, values: Mapping[str, Any]) -> str:
        """The output's path, its placeholders filled with safe path segments only."""
        pattern = str(self.outputs[output]["path"])
        fields = {f for _, f, _, _ in string.Formatter().parse(pattern) if f}
        for name in fields:
            text = str(values.get(name, ""))
            # Why: placeholder values come from SPEC ids and file names; none may climb out.
            if not _SEGMENT.match(text) or text in (".", ".."):
                raise MoaiMlError(f"{self.name} manifest: {name}={text!r} is not a safe path segment")
        return pattern.format_map({name: str(values[name]) for name in fields})

    def render(self, group: str, context: Mapping[str, Any]) -> dict[str, str]:
        """The group's files rendered in memory, {workspace-relative path: text}; YAML is parsed."""
        import yaml

        from mcp_server.render import render

        out: dict[str, str] = {}
        for output in self.groups[group]:
            template = f"{self.name}/{self.outputs[output]['template']}"
            text = render(template, dict(context))
            rel = self.path(output, context)
            if rel.endswith((".yaml", ".yml")):
                try:
                    yaml.safe_load(text)
                except yaml.YAMLError as exc:
                    raise MoaiMlError(f"template {template} rendered invalid YAML: {exc}") from exc
            out[rel] = text
        return out


@cache
def template_set(name: str) -> TemplateSet:
    """The template set `templates/<name>/`, from its manifest."""
    import yaml

    from mcp_server.render import templates_dir

    path = templates_dir() / name / "manifest.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        outputs, groups = dict(data["outputs"]), {k: list(v) for k, v in data["groups"].items()}
    except (OSError, KeyError, TypeError, AttributeError, yaml.YAMLError) as exc:
        raise MoaiMlError(f"template set {name!r} has no valid manifest at {path} ({exc})") from exc
    unknown = sorted({o for members in groups.values() for o in members} - set(outputs))
    if unknown:
        raise MoaiMlError(f"template set {name!r}: groups name outputs the manifest does not declare: {unknown}")
    return TemplateSet(name, outputs, groups)


def write_set(workspace: Workspace, files: Mapping[str, bytes | str], overwrite: bool) -> WriteReport:
    """Check every target path first (containment), then write them all."""
    for rel in files:
        workspace.resolve(rel)
    return workspace.write_files(dict(files), overwrite=overwrite)
