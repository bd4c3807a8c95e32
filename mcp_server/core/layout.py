"""The workspace layout: every path the product keeps under `.moai/` (one module, no other copy).

Paths are relative to the workspace root; join them to `Workspace.root` (or pass them to
`Workspace.resolve`). Everything the tools keep for themselves lives under `STORE` (`.moai/ml`):
the run store, caches, reports and exports. Files generated for the user (tests, pipelines,
services) are declared by the manifest of their template set (`templates/<set>/manifest.yaml`).
"""

from __future__ import annotations

from pathlib import Path

MOAI = Path(".moai")  # everything moai keeps in a project; generated services never go inside
SPECS = MOAI / "specs"  # SPEC-<id>/spec.md, written by people (input)
STORE = MOAI / "ml"  # the tools' own files; pickles are trusted only from here
MLFLOW_DB = STORE / "mlflow.db"  # the embedded MLflow tracking store (SQLite)
ARTIFACTS = STORE / "artifacts"  # MLflow artifacts of the embedded store, one folder per experiment
MANIFEST = STORE / "manifest.json"  # path -> sha256 of every file the tools wrote (no-clobber rule)
JOBS = STORE / "jobs"  # background jobs: <job_id>/request.json, state.json, result.json, log.txt
SCRATCH = STORE / "tmp"  # private staging folders of jobs and run writes; always deleted after
CACHE = STORE / "cache"  # run artifacts downloaded from a remote store, per run id
SCHEMA_CACHE = CACHE / "schemas"  # profiled schemas per (file content, target, task, drop)
REPORTS = STORE / "reports"  # ml_evaluate: <run_id>/<evaluation>/ plots and evaluation.json
DRIFT_REPORTS = REPORTS / "drift"  # ml_detect_drift: <stamp>/ report and its data
PERFORMANCE_REPORTS = REPORTS / "performance"  # ml_monitor_performance: <run_id>/<stamp>/
CARDS = REPORTS / "cards"  # ml_model_card: <run_id>/ card and HTML report
OPTUNA_DB = STORE / "optuna.db"  # ml_tune's default study storage (SQLite)
EXPORTS = STORE / "exports"  # ml_export: <run_id>/model.<ext> + schema.json
TDD_STATE = STORE / "tdd"  # the TDD phases' JUnit reports, metrics and selection, per SPEC module
WANDB = STORE / "wandb"  # offline W&B runs mirrored from MLflow (MOAI_ML_TRACKERS=mlflow,wandb)


def spec_file(spec_dir_name: str) -> Path:
    """`.moai/specs/<SPEC-id>/spec.md`."""
    return SPECS / spec_dir_name / "spec.md"


def tdd_state(module: str) -> Path:
    """The TDD state folder of one SPEC module (e.g. `ml_001`)."""
    return TDD_STATE / module


def report_dir(run_id: str, evaluation: str) -> Path:
    return REPORTS / run_id / evaluation


def export_dir(name: str) -> Path:
    return EXPORTS / name


def is_store(folder: Path, root: Path) -> bool:
    """Whether `folder` is the workspace's own store (`.moai/ml`)."""
    return folder == root / STORE


__all__ = [
    "ARTIFACTS",
    "CACHE",
    "CARDS",
    "DRIFT_REPORTS",
    "EXPORTS",
    "JOBS",
    "MANIFEST",
    "MLFLOW_DB",
    "MOAI",
    "OPTUNA_DB",
    "PERFORMANCE_REPORTS",
    "REPORTS",
    "SCHEMA_CACHE",
    "SCRATCH",
    "SPECS",
    "STORE",
    "TDD_STATE",
    "WANDB",
    "export_dir",
    "is_store",
    "report_dir",
    "spec_file",
    "tdd_state",
]
