"""What a run holds, by name: tags, stored metric names, artifact folders, the experiment rule.

Every tool writes and reads runs through these names, so `ml_list_runs` filters, `ml_evaluate`
reads what `ml_train` wrote, and a SPEC's runs share one experiment whichever tool made them.
"""

from __future__ import annotations

from typing import Literal

PREFIX = "moai."
KIND = "moai.kind"  # one of KINDS
MODEL = "moai.model"  # registry model name
MODEL_ID = "moai.model_id"  # the MLflow LoggedModel of the run
TASK = "moai.task"
TARGET = "moai.target"
N_FEATURES = "moai.n_features"
SPEC_ID = "moai.spec_id"
PHASE = "moai.phase"  # tdd-green | tdd-refactor
SOURCE = "moai.source"  # the tool family that made the run (ml_tdd)
DATA_PATH = "moai.data_path"  # the table, relative to the workspace
DATA_SHA256 = "moai.data_sha256"
ROWS = "moai.rows"
COLUMNS = "moai.columns"
PARAMS = "moai.params"  # the caller's estimator params (JSON)
SEED = "moai.seed"
STATUS = "moai.status"  # a comparison candidate: ok | failed | skipped | stopped
MESSAGE = "moai.message"
BEST_MODEL = "moai.best_model"
CV_FOLDS = "moai.cv_folds"
GENERATED_MODEL_SHA256 = "moai.generated_model_sha256"  # the TDD pipeline's own model file
PARENT_RUN = "mlflow.parentRunId"

RunKind = Literal["train", "compare", "candidate", "tdd"]
KINDS: tuple[str, ...] = ("train", "compare", "candidate", "tdd")

DEFAULT_EXPERIMENT = "moai-ml"


def experiment_name(spec_id: str | None, experiment: str | None = None) -> str:
    """The one naming rule: the caller's experiment, else `SPEC-<id>` for a SPEC's runs, else `moai-ml`."""
    if experiment:
        return experiment
    return f"SPEC-{spec_id}" if spec_id else DEFAULT_EXPERIMENT


# Metric names as stored on a run.
FIT_TIME_S = "fit_time_s"
LATENCY_MS = "latency_ms"
MODEL_SIZE_MB = "model_size_mb"
TRAIN_ROWS = "train_rows"
TEST_ROWS = "test_rows"
CV_STATS = ("mean", "std")


def holdout(metric: str) -> str:
    return f"holdout_{metric}"


def cv(metric: str, stat: str) -> str:
    return f"cv_{metric}_{stat}"


def best_cv(metric: str) -> str:
    return f"best_cv_{metric}"


HEADLINE = (*(holdout(m) for m in ("roc_auc", "f1_macro", "accuracy", "rmse", "r2")), FIT_TIME_S)

# Artifact folders and files of a run.
MOAI_DIR = "moai"  # model.joblib + schema.json: what export, serving and evaluation read
MODEL_FILE = "model.joblib"
SCHEMA_FILE = "schema.json"
MODEL_DIR = "model"  # the MLflow model directory (MLmodel, signature, input example)
PLOTS = "plots"
SPLIT = "split"
HOLDOUT_INDEX = "holdout_index.npy"
EVALUATIONS = "evaluations"


def tag_filter(name: str, value: str) -> str:
    """An MLflow filter clause on one tag; `value` must already be validated (no quotes)."""
    return f"tags.`{name}` = '{value}'"
