"""What a caller asks the fitting tools for: one typed request per tool (the tools build them
from their validated arguments; the CLI and tests can build them directly)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TrainArgs:
    """`ml_train`: fit one model on a table and record it."""

    data_path: str
    target: str
    model: str = "auto"
    params: dict[str, Any] = field(default_factory=dict)
    task: str = "auto"
    test_size: float = 0.2
    seed: int = 42
    time_budget_s: float = 1800
    drop: list[str] = field(default_factory=list)
    spec_id: str | None = None
    experiment: str | None = None
    trackers: tuple[str, ...] = ()  # trackers beside MLflow for this run (wandb)
    kind: str | None = None  # the kind of data (None: the SPEC's `kind:`, else detected)
    kind_options: dict[str, Any] = field(default_factory=dict)  # a series' horizon, ...


@dataclass(frozen=True)
class CompareArgs:
    """`ml_compare_models`: a cross-validated leaderboard of candidates, recorded as nested runs."""

    data_path: str
    target: str
    models: list[str] | None = None
    metric: str | None = None
    cv_folds: int = 5
    task: str = "auto"
    seed: int = 42
    time_budget_s: float = 600
    drop: list[str] = field(default_factory=list)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    spec_id: str | None = None
    experiment: str | None = None
    kind: str | None = None  # the kind of data (None: the SPEC's `kind:`, else detected)
    kind_options: dict[str, Any] = field(default_factory=dict)  # a series' horizon, ...


@dataclass(frozen=True)
class EvaluateArgs:
    """`ml_evaluate`: a trained run on its holdout rows or on a labelled table."""

    run_id: str
    data_path: str | None = None
    cv_folds: int | None = None
    time_budget_s: float = 1800
    trusted: bool = False  # load the run's model even if this product did not sign it
    kind: str | None = None  # the kind of data (None: the run's SPEC's `kind:`, else detected)
    kind_options: dict[str, Any] = field(default_factory=dict)  # a series' horizon, ...
