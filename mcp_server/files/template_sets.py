"""Template sets: each folder of `templates/` declares its output layout in `manifest.yaml`.

A manifest names every file the set produces (`outputs`): its path, with `{placeholders}`
filled from the render context, and how it is made: a Jinja `template` (relative to the set's
folder, or to the folder of the set named by `set`, to share another set's template), rendered
once per item of a context list when it has `each`; a context value written as `json`; or
neither, for a file made by other means (a model file, a file the generated code writes).
An output with `when` is rendered only when that context value is not empty.
`groups` name the outputs rendered together (one TDD phase, one service). A new template set
adds a folder and its manifest, not Python code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from string import Formatter
from typing import Any

from mcp_server.core.errors import MoaiMlError

_SEGMENT = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class TemplateSet:
    name: str
    outputs: dict[str, dict[str, Any]]
    groups: dict[str, list[str]]

    def path(self, output: str, values: dict[str, Any]) -> str:
        """The output's path, its `{placeholders}` filled from `values` (each a safe path
        segment)."""
        pattern = str(self.outputs[output]["path"])
        fields = {name for _, name, _, _ in Formatter().parse(pattern) if name}
        for name in fields:
            text = str(values.get(name, ""))
            # Why: placeholder values may come from data (a SPEC id, a run id); a path segment
            # must never climb out of the folder the manifest writes into.
            if not _SEGMENT.match(text) or text in (".", ".."):
                raise MoaiMlError(
                    f"{self.name} manifest: {name}={text!r} is not a safe path segment; use "
                    "letters, digits, '_', '.' and '-' only (in package=, name= or the SPEC id)"
                )
        return pattern.format_map({name: str(values[name]) for name in fields})

    def paths(self, values: dict[str, Any]) -> dict[str, str]:
        """Every output that is one file (not rendered per item), by name."""
        return {
            name: self.path(name, values)
            for name, spec in self.outputs.items()
            if "each" not in spec
        }

    def render(self, group: str, context: dict[str, Any]) -> dict[str, str]:
        """The group's rendered files (templates and JSON), path -> text."""
        from mcp_server.files.render import render

        files: dict[str, str] = {}
        for output in self.groups[group]:
            spec = self.outputs[output]
            if "when" in spec and not context.get(spec["when"]):
                continue
            if "template" in spec:
                template = f"{spec.get('set', self.name)}/{spec['template']}"
                items = context[spec["each"]] if "each" in spec else [None]
                for item in items:
                    ctx = context if item is None else {**context, spec.get("as", "item"): item}
                    files[self.path(output, ctx if item is None else {**context, **item})] = render(
                        template, ctx
                    )
            elif "json" in spec:
                files[self.path(output, context)] = (
                    json.dumps(context[spec["json"]], indent=1, default=str) + "\n"
                )
        return files


@cache
def template_set(name: str) -> TemplateSet:
    """The template set `templates/<name>/`, from its manifest."""
    import yaml

    from mcp_server.files.render import templates_dir

    path = templates_dir() / name / "manifest.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        outputs, groups = dict(data["outputs"]), {k: list(v) for k, v in data["groups"].items()}
    except (OSError, KeyError, TypeError, AttributeError, yaml.YAMLError) as exc:
        raise MoaiMlError(
            f"template set {name!r} has no valid manifest at {path} ({exc}); the installed "
            "templates are damaged: pip install --force-reinstall moai-domain-ml"
        ) from exc
    unknown = sorted({o for members in groups.values() for o in members} - set(outputs))
    if unknown:
        raise MoaiMlError(
            f"template set {name!r}: groups name outputs the manifest does not declare: {unknown}; "
            "the installed templates are damaged: pip install --force-reinstall moai-domain-ml"
        )
    return TemplateSet(name, outputs, groups)


__all__ = ["TemplateSet", "template_set"]
