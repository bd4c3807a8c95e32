"""MoAI's two SPEC formats: the first wave's (7-field frontmatter, EARS) and today's (12 fields,
GEARS).

Today MoAI-ADK writes `id: SPEC-ML-004` with title, version, status, created, updated, author,
priority, phase, module, lifecycle and tags, requirements in GEARS (The system shall / When /
While / Where; "When <event-detected>" replaces EARS's IF/THEN) and, for tier M and up, an
`acceptance.md`. The reader accepts both; a missing or unknown field is a warning, not a stop,
because the ML block is what the tools need.
"""

from __future__ import annotations

import re
from typing import Any

FIRST_WAVE_REQUIRED = ("id", "version", "status", "created", "updated", "author", "priority")
CURRENT_REQUIRED = (
    "id",
    "title",
    "version",
    "status",
    "created",
    "updated",
    "author",
    "priority",
    "phase",
    "module",
    "lifecycle",
    "tags",
)
STATUSES = {
    "first-wave": ("draft", "active", "completed", "deprecated"),
    "current": (
        "draft",
        "planned",
        "in-progress",
        "implemented",
        "completed",
        "superseded",
        "archived",
        "rejected",
    ),
}
LIFECYCLES = ("spec-anchored", "spec-lite", "exploratory")
CURRENT_ID = re.compile(r"^SPEC-[A-Z][A-Z0-9]+-[0-9]{3}$")
# (label, how a requirement of that kind starts); GEARS's words, EARS's upper-case keywords
KINDS = (
    ("Event-driven", r"when\b"),
    ("State-driven", r"while\b"),
    ("Optional", r"where\b"),
    ("Constraints", r"if\b"),
)


def spec_format(meta: dict[str, Any]) -> str:
    """`current` when the frontmatter has any field only today's format has, else `first-wave`."""
    current_only = set(CURRENT_REQUIRED) - set(FIRST_WAVE_REQUIRED)
    return (
        "current"
        if current_only & set(meta) or str(meta.get("id", "")).startswith("SPEC-")
        else "first-wave"
    )


def spec_id(raw: Any) -> str:
    """`SPEC-ML-004` (today's frontmatter) and `ML-004` (the first wave's) are the same SPEC:
    `ML-004`."""
    text = str(raw or "").strip()
    return text[5:] if text.upper().startswith("SPEC-") else text


def frontmatter_warnings(meta: dict[str, Any]) -> list[str]:
    kind = spec_format(meta)
    required = CURRENT_REQUIRED if kind == "current" else FIRST_WAVE_REQUIRED
    out = [
        f"frontmatter field {name!r} is missing ({kind} MoAI format)"
        for name in required
        if name not in meta
    ]
    status = str(meta.get("status", "")).strip()
    if status and status not in STATUSES[kind]:
        out.append(f"frontmatter status {status!r} is not one of {', '.join(STATUSES[kind])}")
    if kind == "current":
        if "id" in meta and not CURRENT_ID.match(str(meta["id"])):
            out.append(
                f"frontmatter id {meta['id']!r} should look like SPEC-ML-004 in the "
                "current MoAI format"
            )
        if "lifecycle" in meta and meta["lifecycle"] not in LIFECYCLES:
            out.append(
                f"frontmatter lifecycle {meta['lifecycle']!r} is not one of {', '.join(LIFECYCLES)}"
            )
    return out


def requirement_kind(text: str) -> str:
    """GEARS or EARS type of one requirement line (`Ubiquitous` unless it starts with a keyword)."""
    for label, start in KINDS:
        if (
            text.startswith(f"{label}:")
            or re.match(start, text, re.I)
            or re.search(rf"\b{start[:-2].upper()}\b", text)
        ):
            return label
    return "Ubiquitous"
