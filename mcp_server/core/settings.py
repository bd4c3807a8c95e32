"""Every environment variable the product reads or sets: name, default, meaning (one list).

Code never touches `os.environ` itself (tests/test_one_home.py): it asks this module, for a value
(`Setting.value`), to set one in this process (`Setting.set`, `Setting.set_default`) or for the
environment of a child process (`child_env`). README.md lists the same table
(tests/test_settings.py keeps the two in step). The generated prediction service's own variables
are the `SERVICE` table; its README and code are rendered from it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    meaning: str
    # operator: set by people | internal: set by the tools, for generated code or child processes
    # | service: read by the generated prediction service
    audience: str = "operator"

    def raw(self) -> str:
        return os.environ.get(self.name, "").strip()

    def value(self) -> str:
        return self.raw() or self.default

    def exact(self) -> str:
        """The value as set, whitespace included (a secret is used byte for byte)."""
        return os.environ.get(self.name, "")

    def set(self, value: str) -> None:
        """Set it in this process (and so in the processes it starts)."""
        os.environ[self.name] = value

    def set_default(self) -> None:
        """Set it to its default in this process unless it is already set."""
        os.environ.setdefault(self.name, self.default)


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
    "cap on the memory a table may need before it is loaded (empty: half of the machine's "
    "or the container's memory, never more than what is available)",
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
PYTHONPATH = Setting(
    "PYTHONPATH",
    "",
    "generated-code subprocesses: the project's src/ goes first, so its package imports",
    audience="internal",
)
PYTHONDONTWRITEBYTECODE = Setting(
    "PYTHONDONTWRITEBYTECODE",
    "1",
    "generated-code subprocesses write no __pycache__ into the user's project",
    audience="internal",
)
PYTEST_DISABLE_PLUGIN_AUTOLOAD = Setting(
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD",
    "1",
    "the generated tests' pytest run: no installed pytest plugin is imported (they need none; "
    "a large environment's plugins cost seconds per run)",
    audience="internal",
)
PYTHONUNBUFFERED = Setting(
    "PYTHONUNBUFFERED",
    "1",
    "background job processes: their log lines reach log.txt as they are written",
    audience="internal",
)
TF_CPP_MIN_LOG_LEVEL = Setting(
    "TF_CPP_MIN_LOG_LEVEL",
    "2",
    "the SavedModel build: TensorFlow's C++ logs only errors (set unless already set)",
    audience="internal",
)
DVC_NO_ANALYTICS = Setting(
    "DVC_NO_ANALYTICS", "1", "dvc commands the tools run send no analytics", audience="internal"
)
DO_NOT_TRACK = Setting(
    "DO_NOT_TRACK", "true", "dvc commands the tools run send no usage data", audience="internal"
)
CI = Setting(
    "CI",
    "true",
    "dvc commands the tools run never prompt nor check for updates",
    audience="internal",
)
CLUSTER = Setting(
    "MOAI_ML_CLUSTER",
    "",
    "where long work runs (empty: in-process); local-cluster: a Dask LocalCluster sized to the "
    "machine; tcp://host:port: a running Dask scheduler",
)
CLUSTER_TIMEOUT_S = Setting(
    "MOAI_ML_CLUSTER_TIMEOUT_S",
    "600",
    "seconds a worker of a distributed fit waits for its peers (LightGBM's time_out, XGBoost's "
    "collective timeout) before the fit fails, so a lost peer never holds a worker longer",
)
TUNE_GRACE_S = Setting(
    "MOAI_ML_TUNE_GRACE_S",
    "60",
    "least seconds an ml_tune search may run past its time_budget_s before it is killed (the "
    "grace is this or a quarter of the budget, whichever is longer)",
)
SAFE_PATH = Setting(
    "PYTHONSAFEPATH", "1", "no product process imports from its cwd", audience="internal"
)
DVC_QUIET = (DVC_NO_ANALYTICS, DO_NOT_TRACK, CI)  # the tools never phone home for the user

# The generated prediction service's own variables (templates/serving): its code reads them by
# these names and defaults, its README lists them, both rendered from this table.
SERVICE_API_KEY = Setting(
    "SERVICE_API_KEY",
    "",
    "when set, every endpoint but `/health` and `/ready` needs `X-API-Key: <key>` (else `401`)",
    audience="service",
)
MAX_BODY_BYTES = Setting(
    "MAX_BODY_BYTES",
    str(16 * 2**20),
    "a larger request body gets `413` (read no further)",
    audience="service",
)
PREDICT_THREADS = Setting(
    "PREDICT_THREADS",
    "2",
    "threads scoring with the scikit-learn pipeline, off the event loop (joblib runtime)",
    audience="service",
)
PREDICTION_LOG = Setting(
    "MOAI_PREDICTION_LOG",
    "",
    "folder of the prediction log (rotating JSONL files; unset: nothing is logged)",
    audience="service",
)
PREDICTION_LOG_MAX_MB = Setting(
    "MOAI_PREDICTION_LOG_MAX_MB",
    "50",
    "a prediction log file rotates past this size",
    audience="service",
)
PREDICTION_LOG_KEEP = Setting(
    "MOAI_PREDICTION_LOG_KEEP",
    "20",
    "the newest prediction log files kept",
    audience="service",
)


def _defined(service: bool) -> tuple[Setting, ...]:
    """The settings above, in the order they are defined (README's tables list them so): the
    generated service's own, or the product's."""
    found = [s for s in list(globals().values()) if isinstance(s, Setting)]
    return tuple(s for s in found if (s.audience == "service") == service)


ALL = _defined(service=False)
SERVICE = _defined(service=True)


def threads() -> int:
    """`MOAI_ML_THREADS` as a positive integer (1 when unset or invalid)."""
    raw = THREADS.value()
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def max_memory_mb() -> int | None:
    raw = MAX_MEMORY_MB.raw()
    return int(raw) if raw.isdigit() else None


def cluster_timeout_s() -> int:
    """`MOAI_ML_CLUSTER_TIMEOUT_S` as whole seconds, at least 60 (600 when unset or invalid)."""
    raw = CLUSTER_TIMEOUT_S.value()
    return max(60, int(raw)) if raw.isdigit() else int(CLUSTER_TIMEOUT_S.default)


def tracking_uri() -> str | None:
    return TRACKING_URI.raw() or None


def child_env(
    values: Mapping[Setting, str] | None = None,
    *,
    defaults: Iterable[Setting] = (),
    drop: Iterable[Setting] = (),
) -> dict[str, str]:
    """The environment of a child process: this one's, with `values` set, `defaults` set unless
    already set, and `drop` removed."""
    env = dict(os.environ)
    env.update({s.name: value for s, value in (values or {}).items()})
    for setting in defaults:
        env.setdefault(setting.name, setting.default)
    for setting in drop:
        env.pop(setting.name, None)
    return env


__all__ = [
    "ALL",
    "SERVICE",
    "Setting",
    "child_env",
    "max_memory_mb",
    "threads",
    "tracking_uri",
]
