"""What a run holds, by name: tags, stored metric names, artifact folders, the experiment rule.

Every tool writes and reads runs through these names, so `ml_list_runs` filters, `ml_evaluate`
reads what `ml_train` wrote, and a SPEC's runs share one experiment whichever tool made them.
"""

from __future__ import annotations

from typing import Literal, get_args

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
# The kind of data the run's model was fitted on (`ml/data/kinds`: table, images, ...); written on
# every new run (`MlflowStore.record`), a run without it (recorded before kinds) is a table.
DATA_KIND = "moai.data_kind"
DEFAULT_DATA_KIND = "table"
ROWS = "moai.rows"
COLUMNS = "moai.columns"
PARAMS = "moai.params"  # the caller's estimator params (JSON)
SEED = "moai.seed"
STATUS = "moai.status"  # a comparison candidate: ok | failed | skipped | stopped
MESSAGE = "moai.message"
BEST_MODEL = "moai.best_model"
CV_FOLDS = "moai.cv_folds"
GENERATED_MODEL_SHA256 = "moai.generated_model_sha256"  # the TDD pipeline's own model file
STUDY = "moai.study"  # a tune run: its Optuna study and where it lives (password hidden)
STORAGE = "moai.storage"
TRIAL = "moai.trial"  # a trial run (kind `trial`): its number, Optuna state and worker
STATE = "moai.state"
WORKER = "moai.worker"
STUDY_CONFIG = "moai.config"  # not a run tag: the study's user attribute holding the search
PARENT_RUN = "mlflow.parentRunId"
# The gate verdict below is read by ml_promote, ml_model_card and ml_monitor_performance.
HOLDOUT = "moai.holdout"  # JSON: how the holdout split is stored (see tracking/run_data.py)
TRUE, FALSE = "true", "false"
# Written by the registry tools on model versions.
PROMOTED_AS = "moai.promoted_as"
PROMOTION_FORCED = "moai.promotion_forced"  # "true" on a version promoted with force=true
PROMOTION_REASON = "moai.promotion_reason"  # what force=true overrode
# Not run tags: metadata keys inside an exported ONNX file (what onnxruntime callers read).
ONNX_MODEL_NAME = "moai.model_name"
ONNX_TASK = "moai.task"
ONNX_TARGET = "moai.target"
ONNX_INPUTS = "moai.inputs"
ONNX_CLASSES = "moai.classes"
ONNX_IMAGE_PREPROCESSING = "moai.image_preprocessing"  # what an image graph's caller does first
ONNX_TOKENIZER = "moai.tokenizer"  # a text graph's tokenizer, as `tokenizers`' JSON
ONNX_TEXT_PREPROCESSING = "moai.text_preprocessing"  # how a text graph's caller makes token ids

# The run's verdict (agreed names: the model registry relies on them), written and read only as
# `tracking.verdict.Verdict`: whether it met its SPEC's gates (absent without a SPEC), whether it
# was kept, and why not.
GATES_PASSED = "moai.gates_passed"  # "true" | "false"; absent when there are no SPEC gates
KEPT = "moai.kept"  # "true" | "false"
REJECTED_REASON = "moai.rejected_reason"
HOLDOUT_SEED = "moai.holdout_seed"  # the holdout split: seed, size, and split/holdout_index.npy
HOLDOUT_SIZE = "moai.holdout_size"
# Where the fit ran: local, or the Dask cluster (engine, workers, dashboard) that trained it
RAN_ON = "moai.ran_on"
# JSON: the training target a baseline predicts, {"shares": [...]} (classes) or {"mean": m}
TARGET_PRIOR = "moai.target_prior"
# What went ahead despite the verdict, on the run and on a model version: "true (exported, served)"
ALLOW_FAILED_GATES = "moai.allow_failed_gates"

# train | candidate (of a comparison) | tdd_green | tdd_refactor | tune | evaluate; `compare` is
# the parent run of a comparison (it holds no model); `trial` is one evaluated configuration of a
# tune, nested under the tune's run (no model; listed only when asked for by kind).
RunKind = Literal[
    "train", "compare", "candidate", "tdd_green", "tdd_refactor", "tune", "evaluate", "trial"
]
KINDS: tuple[str, ...] = get_args(RunKind)


def flag(value: bool) -> str:
    return "true" if value else "false"


def holdout_split(seed: int, size: float | int) -> dict[str, str]:
    """The holdout split tags (with the `split/holdout_index.npy` artifact, it is reproducible)."""
    return {HOLDOUT_SEED: str(seed), HOLDOUT_SIZE: str(size)}


DEFAULT_EXPERIMENT = "moai-ml"


def experiment_name(spec_id: str | None, experiment: str | None = None) -> str:
    """The one naming rule: the caller's experiment, else `SPEC-<id>` for a SPEC's runs, else
    `moai-ml`."""
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


def stored_metric(name: str, available: list[str] | None = None) -> str:
    """A metric name as a caller writes it (`r2`, a SPEC's name) -> as stored (`holdout_r2`).

    A stored name (`holdout_r2`, `cv_f1_macro_mean`, `fit_time_s`) is kept; a SPEC name becomes
    its holdout metric. Unknown names raise, listing the valid ones."""
    from mcp_server.core.errors import MoaiMlError
    from mcp_server.ml.modeling.metrics_spec import METRICS

    stored = set(available or [])
    costs = (FIT_TIME_S, LATENCY_MS, MODEL_SIZE_MB, TRAIN_ROWS, TEST_ROWS)
    if name in stored or name in costs:
        return name
    for prefix in ("holdout_", "best_cv_", "cv_"):
        base = name.removeprefix(prefix).removesuffix("_mean").removesuffix("_std")
        if name.startswith(prefix) and base in METRICS:
            return name
    if name in METRICS:
        return holdout(name)
    valid = sorted({*METRICS, *stored, *costs})
    raise MoaiMlError(
        f"unknown metric {name!r}; use one of these in order_by= or metric_filter=: "
        f"{', '.join(valid)}"
    )


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
HOLDOUT_RULE = "holdout_rule.json"  # a cluster fit's holdout: the row hash that draws it
EVALUATIONS = "evaluations"


def tag_filter(name: str, value: str) -> str:
    """An MLflow filter clause on one tag; `value` must already be validated (no quotes)."""
    return f"tags.`{name}` = '{value}'"
