"""What a run's SPEC says about judging it: metric, gates, promotion margin, title, requirements.

The monitoring functions take a `SpecReader` (a run -> its `SpecInfo`): `spec_reader(workspace)`
reads a run's SPEC with the one SPEC reader (`ml/spec`), `no_spec` judges every run by its
task's primary metric."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.tracking.view import RunView


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


# a run -> what its SPEC says (None without a SPEC)
SpecReader = Callable[["RunView"], "SpecInfo | None"]


def no_spec(run: RunView) -> SpecInfo | None:
    """The reader for callers without SPEC files: every run is judged by its task's primary
    metric."""
    return None


def spec_reader(workspace: Workspace) -> SpecReader:
    """A run's SPEC (its `spec_id` tag) read in `workspace`; None when the run names no SPEC or
    the SPEC has no file."""

    def read(run: RunView) -> SpecInfo | None:
        from mcp_server.core.errors import MoaiMlError
        from mcp_server.ml.spec.reader import spec_of

        spec_id = run.spec_id
        try:
            spec = spec_of(workspace, spec_id)
        except MoaiMlError as exc:  # the TDD tools explain a broken SPEC in full; one line here
            raise MoaiMlError(
                f"cannot read the SPEC {spec_id} ({str(exc)[:200]}); ml_tdd_red(spec_path="
                f"'{spec_id}') explains it in full"
            ) from exc
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
