"""A TDD phase's typed request, the job's order, what prepare learned and what the job did."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp_server.files.workspace import WriteReport
    from mcp_server.ml.tdd.attempts import Attempt
    from mcp_server.ml.tdd.run import PytestRun
    from mcp_server.ml.tdd.spec_data import SpecData


@dataclass(frozen=True)
class PhaseRequest:
    """One phase's call: the SPEC (a path, its fields), the package, and GREEN's model."""

    spec_path: str | None
    fields: dict[str, Any]
    package: str
    overwrite: bool = False
    model: str | None = None  # GREEN: a registry family (default: the kind's first choice)
    params: dict[str, Any] | None = None  # GREEN: the family's params over its defaults
    prep: SpecData | None = None  # a SPEC already checked against its data (the inline caller)


@dataclass(frozen=True)
class PhaseOrder:
    """What a phase's job needs: the checked SPEC, where the project is, where to stage."""

    prep: SpecData
    root: str
    folder: str
    overwrite: bool = False
    model: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    previous: str = ""  # REFACTOR: the project's pipeline.py before the call


@dataclass
class PhaseFacts:
    prep: SpecData
    report: WriteReport


@dataclass
class PhaseOutcome:
    """What the job did: RED's run, or the attempts (the last one answers) and their context."""

    red: PytestRun | None = None
    attempts: list[Attempt] = field(default_factory=list)
    trust: list[dict[str, Any]] = field(default_factory=list)
    report: WriteReport | None = None  # REFACTOR: what was written into the copy
    leaderboard: list[dict[str, Any]] = field(default_factory=list)
    tuning: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    produced: dict[str, bytes] = field(default_factory=dict)  # REFACTOR: the copy's model, reports

    @property
    def final(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None
