"""What a run's SPEC says about judging it: metric, gates, promotion margin, title, requirements.

The monitoring functions take a `SpecReader` (a run -> its `SpecInfo`): `spec_reader(workspace)`
reads a run's SPEC with the one SPEC reader (`ml/spec`), `no_spec` judges every run by its
task's primary metric."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace


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


def spec_reader(workspace: Workspace) -> SpecReader:
    """A run's SPEC (its `spec_id` tag) read in `workspace`; None when the run names no SPEC or
    the SPEC has no file."""

    def read(run: Any) -> SpecInfo | None:
        from mcp_server.core.errors import MoaiMlError
        from mcp_server.ml.spec.reader import spec_of
        from mcp_server.ml.tracking import tags

        spec_id = run.data.tags.get(tags.SPEC_ID)
        try:
            spec = spec_of(workspace, spec_id)
        except MoaiMlError as exc:  # the TDD tools explain a broken SPEC in full; one line here
            raise MoaiMlError(f"cannot read the SPEC {spec_id}: {str(exc)[:200]}") from exc
        if spec is None:
            return None
        return SpecInfo(
            spec.spec_id,
            spec.spec_rel or "",
            spec.title,
            spec.metric,
            {spec.metric: spec.threshold, **spec.secondary},
            spec.promotion_margin,
            spec.requirements,
            spec.sensitive,
        )

    return read
