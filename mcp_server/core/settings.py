"""Every environment variable the product reads or sets: name, default, meaning (one list).

Code never calls `os.environ` for these names itself; it asks this module. README.md lists
the same table (tests/test_settings.py keeps the two in step).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    meaning: str
    audience: str = (
        "operator"  # operator: set by people | internal: set by the tools for generated code
    )

    def raw(self) -> str:
        return os.environ.get(self.name, "").strip()

    def value(self) -> str:
        return self.raw() or self.default

    def exact(self) -> str:
        """The value as set, whitespace included (a secret is used byte for byte)."""
        return os.environ.get(self.name, "")


TRACKING_URI = Setting(
    "MLFLOW_TRACKING_URI",
    "",
    "MLflow tracking server for every run (empty: the workspace's own SQLite store "
    ".moai/ml/mlflow.db)",
)
MLFLOW_LOGGING_LEVEL = Setting(
    "MLFLOW_LOGGING_LEVEL",
    "WARNING",
    "MLflow's own log level on the server's stderr (the server sets WARNING unless it is set)",
)
THREADS = Setting(
    "MOAI_ML_THREADS",
    "1",
    "native (OpenMP/BLAS) threads per job process; jobs of concurrent requests already run "
    "side by side",
)
MAX_MEMORY_MB = Setting(
    "MOAI_ML_MAX_MEMORY_MB",
    "",
    "cap on the memory a table may need before it is loaded (empty: the machine's "
    "available memory)",
)
OMP_NUM_THREADS = Setting(
    "OMP_NUM_THREADS",
    "1",
    "OpenMP threads: job processes set it to MOAI_ML_THREADS; generated-code subprocesses "
    "default to 1",
)
SIGNING_KEY = Setting(
    "MOAI_ML_SIGNING_KEY",
    "",
    "shared secret that signs and verifies model files, for a team on one tracking server "
    "(empty: a per-user key file)",
)
KEY_DIR = Setting(
    "MOAI_ML_KEY_DIR",
    "",
    "folder of the per-user signing key (empty: $XDG_CONFIG_HOME/moai-ml, else ~/.config/moai-ml)",
)
XDG_CONFIG_HOME = Setting(
    "XDG_CONFIG_HOME", "", "the user's configuration folder (empty: ~/.config)"
)
TRACKERS = Setting(
    "MOAI_ML_TRACKERS",
    "mlflow",
    "trackers every run is logged to: mlflow always; mlflow,wandb mirrors each run to "
    "Weights & Biases too",
)
WANDB_MODE = Setting(
    "WANDB_MODE", "offline", "W&B mode of the mirror: offline (runs in .moai/ml/wandb/) or online"
)
WANDB_PROJECT = Setting(
    "WANDB_PROJECT", "", "W&B project of the mirror (empty: the run's MLflow experiment name)"
)
HIDE_MODULES = Setting(
    "MOAI_ML_HIDE_MODULES",
    "",
    "generated tests: comma-separated modules that import as missing (ml_tdd_red proves "
    "RED with it)",
    audience="internal",
)
METRICS_OUT = Setting(
    "MOAI_ML_METRICS_OUT",
    "",
    "generated tests: file the holdout metrics are written to (the TDD tools read the "
    "gates from it)",
    audience="internal",
)
TOKEN = Setting(
    "MOAI_ML_TOKEN",
    "",
    "bearer token HTTP clients must send (Authorization: Bearer); required to bind beyond loopback",
)
TF_PYTHON = Setting(
    "MOAI_ML_TF_PYTHON",
    "",
    "python of a venv with TensorFlow, for runtime=tfserving (empty: this interpreter, if "
    "it has TensorFlow)",
)
KERAS_BACKEND = Setting(
    "KERAS_BACKEND",
    "torch",
    "Keras 3 backend of the Keras network family (set to torch unless already set; the "
    "SavedModel build uses tensorflow)",
)
ALL = (
    TRACKING_URI,
    MLFLOW_LOGGING_LEVEL,
    THREADS,
    MAX_MEMORY_MB,
    OMP_NUM_THREADS,
    SIGNING_KEY,
    KEY_DIR,
    XDG_CONFIG_HOME,
    TRACKERS,
    WANDB_MODE,
    WANDB_PROJECT,
    HIDE_MODULES,
    METRICS_OUT,
    TOKEN,
    TF_PYTHON,
    KERAS_BACKEND,
)


def threads() -> int:
    """`MOAI_ML_THREADS` as a positive integer (1 when unset or invalid)."""
    raw = THREADS.value()
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def max_memory_mb() -> int | None:
    raw = MAX_MEMORY_MB.raw()
    return int(raw) if raw.isdigit() else None


def tracking_uri() -> str | None:
    return TRACKING_URI.raw() or None


__all__ = ["ALL", "Setting", "max_memory_mb", "threads", "tracking_uri"]
