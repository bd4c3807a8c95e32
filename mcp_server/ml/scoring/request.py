"""`ml_batch_score`'s typed request and the job's payload."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OUTPUT_ROOT = "scores"  # default output: scores/<dataset>-<run id prefix>/
MANIFEST = "_manifest.json"  # in the output folder: what is done, for what model and inputs
PREDICTION = "prediction"
RUN_ID = "moai_run_id"
VERSION = "moai_model_version"
PROBABILITY = "proba_"  # proba_<label>: one column per class, in the model's class order


@dataclass(frozen=True)
class BatchScoreArgs:
    model: str  # a run id or models:/name@alias (models:/name/N)
    data_path: str  # folder of Parquet files, a Parquet/CSV file, or a glob of them
    output: str | None = None  # folder of the scored partitions (default: scores/<...>/)
    keep: tuple[str, ...] = ()  # input columns copied beside the predictions (ids)
    cluster: str | None = None  # None: MOAI_ML_CLUSTER; local, local-cluster, tcp://host:port
    allow_failed_gates: bool = False
    trusted: bool = False
    # No budget of its own: it runs until done or cancelled, and finished partitions are kept.
    time_budget_s: float = 7 * 86400.0


@dataclass(frozen=True)
class Part:
    """One partition: its input (relative name and real path) and its output file."""

    name: str
    source: str
    target: str


@dataclass(frozen=True)
class ScoreJob:
    """What the job process needs: the model file (its signature is checked again where it is
    loaded), what to write beside each prediction, and the partitions still to score."""

    model_path: str
    trusted: bool
    schema: dict[str, Any]
    run_id: str
    version: str  # the registered version ("name/3") or "" for a run model
    engine: str
    output: str  # the output folder (real path)
    identity: dict[str, Any]  # the manifest's identity: model and inputs
    parts: list[Part] = field(default_factory=list)  # still to score
    done: dict[str, dict[str, Any]] = field(default_factory=dict)  # already scored
    keep: tuple[str, ...] = ()
    total: int = 0  # partitions of the dataset


__all__ = [
    "MANIFEST",
    "OUTPUT_ROOT",
    "PREDICTION",
    "PROBABILITY",
    "RUN_ID",
    "VERSION",
    "BatchScoreArgs",
    "Part",
    "ScoreJob",
]
