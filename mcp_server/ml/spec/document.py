"""A SPEC file as a document: where it is (`spec_file`: an id, `SPEC-` id, folder or file, always
through `Workspace.resolve`), its frontmatter and body, its `## ` sections, the fenced yaml of
`## ML`, its GEARS/EARS requirements and its title. `reader.load_spec` makes an `MlSpec` of them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mcp_server.core import layout
from mcp_server.core.errors import SpecError
from mcp_server.core.names import SPEC_FILE_ID
from mcp_server.files.workspace import Workspace
from mcp_server.ml.spec.fields import FIELDS
from mcp_server.ml.spec.moai_format import requirement_kind
from mcp_server.safety.guards import load_yaml

_ID = re.compile(SPEC_FILE_ID)
MAX_SPEC_BYTES = 1 << 20  # a SPEC or its acceptance.md is prose: a mebibyte is already a book


def read_spec_text(path: Path, what: str) -> str:
    """A SPEC file's text, refused in one line before it is read when it is too large."""
    size = path.stat().st_size
    if size > MAX_SPEC_BYTES:
        raise SpecError(
            f"{what} is {size / 2**20:.1f} MiB; a SPEC file may be at most 1 MiB: keep data "
            "out of it (name the data file in the SPEC's dataset)"
        )
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(
            f"cannot read {what} ({exc}); give spec_path a readable UTF-8 spec.md"
        ) from exc


_FENCE = re.compile(r"```(?:yaml|yml)[ \t]*\n(.*?)```", re.S)


def spec_file(workspace: Workspace, spec_path: str) -> Path:
    """A path to spec.md, a SPEC directory, or an id (`ML-001`, `SPEC-ML-001`)."""
    raw = spec_path.strip()
    if _ID.match(raw) and "/" not in raw and not raw.endswith(".md"):
        name = raw if raw.upper().startswith("SPEC-") else f"SPEC-{raw}"
        return workspace.resolve(layout.spec_file(name), must_exist=True)
    path = workspace.resolve(raw, must_exist=True)
    if path.is_dir():
        path = workspace.resolve(Path(raw) / "spec.md", must_exist=True)
    return path


def split_spec(text: str) -> tuple[dict[str, Any], str]:
    """(frontmatter dict, body) of a MoAI SPEC; a file without frontmatter gives {}."""
    import yaml

    if not text.startswith("---"):
        return {}, text
    end = re.search(r"^---[ \t]*$", text[3:], re.M)
    if end is None:
        raise SpecError(
            "the SPEC frontmatter starts with '---' but never ends; close it with a '---' line "
            "above the SPEC's '## ML' block"
        )
    raw = text[3 : 3 + end.start()]
    try:
        meta = load_yaml(raw, "the SPEC frontmatter") or {}
    except yaml.YAMLError as exc:
        raise SpecError(
            f"the SPEC frontmatter is not valid YAML ({first_line(exc)}); fix it (key: value "
            "lines, e.g. id: ML-001) or pass the SPEC's values as fields="
        ) from exc
    if not isinstance(meta, dict):
        raise SpecError(
            "the SPEC frontmatter must be a YAML mapping (key: value lines, e.g. id: ML-001); "
            "fix it or pass the SPEC's values as fields="
        )
    return meta, text[3 + end.end() :]


def sections(body: str) -> dict[str, str]:
    """`## Name` -> the text under it (up to the next `## `)."""
    out: dict[str, str] = {}
    parts = re.split(r"^##[ \t]+(.+?)[ \t]*$", body, flags=re.M)
    for i in range(1, len(parts) - 1, 2):
        out[parts[i].strip()] = parts[i + 1]
    return out


def ml_block(section: str | None) -> dict[str, Any]:
    """The one fenced yaml block under `## ML` (empty when the section is absent)."""
    import yaml

    if section is None:
        return {}
    found = _FENCE.search(section)
    if found is None:
        raise SpecError(
            "the '## ML' section has no ```yaml block; put the ML fields (dataset:, target:, "
            "metric:, threshold: ...) in one fenced yaml block"
        )
    try:
        data = load_yaml(found.group(1), "the '## ML' yaml block") or {}
    except yaml.YAMLError as exc:
        raise SpecError(
            f"the '## ML' yaml block is not valid YAML ({first_line(exc)}); write it as field: "
            "value lines (dataset: data/x.csv)"
        ) from exc
    if not isinstance(data, dict):
        raise SpecError(
            "the '## ML' yaml block must be a mapping (field: value lines such as target: price)"
        )
    unknown = sorted(set(map(str, data)) - set(FIELDS))
    if unknown:
        raise SpecError(
            f"unknown field(s) in the '## ML' block: {', '.join(unknown)}; rename or remove them "
            f"(the SPEC's '## ML' block takes: {', '.join(FIELDS)})"
        )
    return data


def requirements(section: str | None) -> list[tuple[str, str]]:
    """The GEARS (or EARS) requirements as (type, text), typed by their label or keyword."""
    out: list[tuple[str, str]] = []
    for line in (section or "").splitlines():
        item = line.strip()
        if item.startswith(("- ", "* ")):
            text = item[2:].strip()
            out.append((requirement_kind(text), text))
    return out


def title(body: str, spec_id: str) -> str:
    found = re.search(r"^#[ \t]+(?:@SPEC:[^:\s]+:\s*)?(.+?)[ \t]*$", body, re.M)
    return found.group(1).strip()[:200] if found else f"SPEC {spec_id}"


def first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
