"""What a run's SPEC says about judging it: metric, gates, promotion margin, title, requirements.

Reading the SPEC file is the TDD layer's job (`ml/tdd/spec.py`, above this one), so the monitoring
functions take a `SpecReader` from their caller (the tools pass one built on `tdd.spec`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SpecInfo:
    spec_id: str
    path: str  # relative to the workspace
    title: str
    metric: str | None
    gates: dict[str, float]  # metric -> threshold (primary first)
    margin: float  # `promotion_margin`, default 0
    requirements: list[tuple[str, str]] = field(default_factory=list)
    sensitive: list[str] = field(default_factory=list)  # columns for subgroup metrics


SpecReader = Callable[[Any], "SpecInfo | None"]  # a run -> what its SPEC says (None without a SPEC)


def no_spec(run: Any) -> SpecInfo | None:
    """The reader for callers without SPEC files: every run is judged by its task's primary
    metric."""
    return None
