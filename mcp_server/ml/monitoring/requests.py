"""The monitoring capabilities' typed requests: what `ml_detect_drift` and
`ml_monitor_performance` are asked, and the drift check as its job runs it (`drift_check`
prepares one from the other)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DriftArgs:
    """`ml_detect_drift`'s arguments."""

    reference: str
    current: str
    columns: tuple[str, ...] = ()
    psi: bool = False
    run_id: str | None = None  # the model whose prediction drift to add
    detail: str = "brief"  # brief | full: how many column verdicts the answer lists


@dataclass
class DriftRequest:
    """The check as the job runs it: sources as the caller named them, the model resolved."""

    reference: str
    current: str
    columns: list[str] = field(default_factory=list)
    psi: bool = False
    run_id: str | None = None  # the model whose prediction drift to add (default: the reference's)


@dataclass(frozen=True)
class PerformanceArgs:
    """`ml_monitor_performance`'s arguments."""

    run_id: str
    current: str
    time_column: str | None = None
    chunks: int = 5
    period: str | None = None  # D | W | M with a time column


@dataclass(frozen=True)
class CardArgs:
    """`ml_model_card`'s arguments."""

    run_id: str  # a run id or `models:/` URI
    output_dir: str | None = None  # default layout.CARDS/<run>
    overwrite: bool = False  # replace card files a person edited
