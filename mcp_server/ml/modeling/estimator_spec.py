"""What the registry knows about one model family (`EstimatorSpec`), and how a search space is
written (`floats`, `ints`, `choices`). The families themselves are the table in `registry`.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.core.names import CLASSIFICATION_TASKS, REGRESSION, REGRESSION_TASKS

# How a search's folds stop a family early (`ml/tuning/folds.py` owns each way):
# "own_validation": the estimator's own validation share (n_iter_no_change);
# "rounds_param": an eval set and an `early_stopping_rounds` parameter;
# "rounds_callback": an eval set and an early-stopping callback.
EARLY_STOPS = ("own_validation", "rounds_param", "rounds_callback")
# Which tables a family is the first choice for (`catalog.default_model`).
FIRST_CHOICES = ("small", "large")


@dataclass(frozen=True)
class EstimatorSpec:
    name: str
    classifier: str | None  # "module:Class"
    regressor: str | None
    defaults_clf: dict[str, Any] = field(default_factory=dict)
    defaults_reg: dict[str, Any] = field(default_factory=dict)
    search_space: dict[str, dict[str, Any]] = field(default_factory=dict)  # for tuning (issue 11)
    small_grid: dict[str, list[Any]] = field(default_factory=dict)  # the TDD refactor step's grid
    needs_scaling: bool = False
    # converter route: "skl2onnx" | "onnxmltools" (export.onnx_patches) | "torch" (onnx_torch)
    # | "none" (a forecaster: no ONNX route)
    # | "torch_image" (an image network alone, onnx_image)
    # | "torch_text" (a text network alone, token ids in, its tokenizer in the metadata: onnx_text)
    onnx: str = "skl2onnx"
    extra: str | None = None  # optional-dependency extra that provides it
    # distributions needed to load a fitted model, besides scikit-learn
    packages: tuple[str, ...] = ()
    # types its skops file holds that skops does not trust by default
    skops_types: tuple[str, ...] = ()
    cost: int = 5  # relative fitting cost: cheap models first when a time budget is tight
    label_is_argmax: bool = True  # `predict` is the first argmax of `predict_proba` (SVC's is not)
    parity_note: str = ""  # why an ONNX parity check of this family can fail, for the error message
    default_candidate: bool = False  # always among a SPEC's default refactor candidates
    requires: tuple[str, ...] = ()  # modules it needs, when its class lives in this package
    in_defaults: bool = True  # in "every available model" lists (a comparison's default)
    # its loss models counts (Poisson, Tweedie): a candidate for a count or skewed non-negative
    # target (`data.target_summary.count_target`), in a comparison's and a SPEC's defaults then only
    count_objective: bool = False
    data_kinds: tuple[str, ...] = ("table",)  # kinds of data it fits on (`ml/data/kinds`)
    # it takes the rows as they are (no preprocessing step) and the schema's roles as params
    # (forecasters: the time column, the series id, the horizon, ...)
    takes_rows: bool = False
    # it reads the table's free-text column itself (raw strings: its own tokenizer), not TF-IDF;
    # `build_pipeline` names the column as its `text_column` param, other columns are left out
    takes_text: bool = False
    # a network's fit time per training row on 2 CPU cores, epochs included (`tools/_estimates`:
    # a long fit runs as a job); 0 for families whose time follows the table's cells
    seconds_per_row: float = 0.0
    first_choice: str | None = None  # one of FIRST_CHOICES: `ml_train(model="auto")` picks it
    auto_search: bool = False  # searched by `ml_tune` when the caller names no model
    portfolio: tuple[dict[str, Any], ...] = ()  # configurations `strategy=auto` tries first
    early_stop: str | None = None  # one of EARLY_STOPS: how a search's folds stop it early
    # dedicated serving runtimes (TorchServe, TF Serving) that serve this family: such a runtime
    # serves the families that name it and no other (`catalog.served_by`)
    runtimes: tuple[str, ...] = ()
    label: str = ""  # its name in messages, when it has runtimes of its own ("PyTorch")
    # its Dask estimators ("module:Class"): it trains on a cluster (`fitting/cluster_train`)
    dask_classifier: str | None = None
    dask_regressor: str | None = None
    # a classifier of free text: the table family a text SPEC that predicts a number is sent to
    regress_with: str = ""

    def __post_init__(self) -> None:
        if self.early_stop not in (None, *EARLY_STOPS):
            raise ValueError(f"{self.name}: early_stop must be one of {EARLY_STOPS}")
        if self.first_choice not in (None, *FIRST_CHOICES):
            raise ValueError(f"{self.name}: first_choice must be one of {FIRST_CHOICES}")

    @property
    def tasks(self) -> tuple[str, ...]:
        return (CLASSIFICATION_TASKS if self.classifier else ()) + (
            REGRESSION_TASKS if self.regressor else ()
        )

    def class_path(self, task: str) -> str:
        path = self.regressor if task == REGRESSION else self.classifier
        if path is None and self.takes_text and task == REGRESSION:
            raise MoaiMlError(
                f"model {self.name!r} classifies free text and does not predict a number: pass "
                f"model='{self.regress_with}' (or another table family), which reads the text "
                "column through TF-IDF"
            )
        if path is None:
            raise MoaiMlError(
                f"model {self.name!r} does not support task {task!r}; it supports {self.tasks}: "
                "pass another model= or task="
            )
        return path

    @property
    def class_names(self) -> tuple[str, ...]:
        """Its classes' names (a copy of the class in a generated project has the same name)."""
        return tuple(p.split(":")[1] for p in (self.classifier, self.regressor) if p)

    def defaults(self, task: str) -> dict[str, Any]:
        return dict(self.defaults_reg if task == REGRESSION else self.defaults_clf)

    def available(self) -> bool:
        modules = self.requires or (self.class_path(self.tasks[0]).split(":")[0].split(".")[0],)
        return all(importlib.util.find_spec(module) is not None for module in modules)


def floats(low: float, high: float, log: bool = False) -> dict[str, Any]:
    return {"type": "float", "low": low, "high": high, "log": log}


def ints(low: int, high: int, log: bool = False) -> dict[str, Any]:
    return {"type": "int", "low": low, "high": high, "log": log}


def choices(*values: Any) -> dict[str, Any]:
    return {"type": "categorical", "choices": list(values)}


# Tuning caps the epochs too: early stopping (on a validation split) ends most trials sooner.
_NEURAL_SPACE = {
    "hidden_units": ints(16, 256, log=True),
    "n_layers": ints(1, 3),
    "dropout": floats(0.0, 0.5),
    "learning_rate": floats(1e-4, 1e-2, log=True),
    "weight_decay": floats(1e-6, 1e-2, log=True),
    "max_epochs": ints(20, 150, log=True),
}
_NEURAL = "mcp_server.ml.modeling."


def neural_spec(
    name: str, module: str, classes: str, library: str, runtime: str, label: str
) -> EstimatorSpec:
    """A neural family: a multilayer perceptron over the table's columns, built with `library`
    on torch (ONNX through torch), served by `runtime` beside the generic runtimes."""
    return EstimatorSpec(
        name,
        f"{_NEURAL}{module}:{classes}Classifier",
        f"{_NEURAL}{module}:{classes}Regressor",
        search_space=_NEURAL_SPACE,
        small_grid={"hidden_units": [32, 64]},
        needs_scaling=True,
        onnx="torch",
        extra="dl",
        packages=("torch", library, "moai-domain-ml"),
        cost=12,
        requires=("torch", library),
        in_defaults=False,
        runtimes=(runtime,),
        label=label,
    )


# An image network's search: learning rate, the epoch cap early stopping cuts short, augmentation
# strength (0: none, 1: the strongest rotation, shift and scale), and the head's or backbone's own.
_IMAGE_SPACE = {
    "learning_rate": floats(5e-4, 1e-2, log=True),
    "max_epochs": ints(5, 40, log=True),
    "augment": floats(0.0, 1.0),
    "dropout": floats(0.0, 0.4),
    "width": choices(8, 16, 32),
}
# The TDD refactor step's grid of a network trained from scratch: its default width, then half
# (each point a cross-validated fit: two keep an image SPEC's selection in minutes on a CPU).
_IMAGE_GRID = {"width": [16, 8]}
_PRETRAINED_IMAGE_SPACE = {
    "learning_rate": floats(1e-5, 3e-3, log=True),
    "max_epochs": ints(2, 10),
    "augment": floats(0.0, 0.8),
    "freeze_backbone": choices(True, False),
}


def image_spec(
    name: str, target: str, library: str, cost: int, runtimes: tuple[str, ...] = ()
) -> EstimatorSpec:
    """An image family over the image files: a network trained from scratch (`library` torch,
    or keras on the torch backend, compared only when named) or a `transformers` backbone. ONNX:
    the network alone (a Keras one as the torch module it is on that backend), pixels in.
    `runtimes`: the dedicated runtimes that serve it too (TorchServe: the scripted network; TF
    Serving: the Keras network's SavedModel)."""
    scratch = library in ("torch", "keras")
    return EstimatorSpec(
        name,
        f"{_NEURAL}{target}",
        None,
        search_space=_IMAGE_SPACE if scratch else _PRETRAINED_IMAGE_SPACE,
        small_grid=_IMAGE_GRID if scratch else {},
        onnx="torch_image",
        extra="dl" if scratch else "vision",
        packages=(*dict.fromkeys(("torch", library)), "pillow", "moai-domain-ml"),
        cost=cost,
        requires=(*dict.fromkeys(("torch", library)), "PIL"),
        in_defaults=library == "torch",
        data_kinds=("images",),
        runtimes=runtimes,
        label=("Keras" if library == "keras" else "PyTorch") if runtimes else "",
    )


# A text network's own knobs, tuned with its learning rate; early stopping ends most trials sooner.
_TEXT_SPACE = {
    "learning_rate": floats(3e-4, 5e-3, log=True),
    "d_model": choices(32, 64, 128),
    "n_layers": ints(1, 3),
    "dropout": floats(0.0, 0.3),
    "max_epochs": ints(5, 30, log=True),
}
_PRETRAINED_TEXT_SPACE = {
    "learning_rate": floats(1e-5, 1e-3, log=True),
    "freeze_backbone": choices(True, False),
    "max_epochs": ints(1, 6),
}


def text_spec(
    name: str,
    target: str,
    library: str,
    cost: int,
    runtimes: tuple[str, ...] = (),
    *,
    regress_with: str,
) -> EstimatorSpec:
    """A text family: a torch network over one free-text column of a table, its own tokenizer
    (`library`: `tokenizers` trained on the training split, or a `transformers` checkpoint's),
    compared only when named (a fit takes minutes on a CPU, where TF-IDF takes seconds).
    `runtimes`: the dedicated runtimes that serve it too (TorchServe: network and tokenizer).
    `regress_with`: the TF-IDF table family its refusal to predict a number points to."""
    scratch = library == "tokenizers"
    return EstimatorSpec(
        name,
        f"{_NEURAL}{target}",
        None,
        search_space=_TEXT_SPACE if scratch else _PRETRAINED_TEXT_SPACE,
        onnx="torch_text" if scratch else "none",
        extra="text",
        packages=("torch", library, "moai-domain-ml"),
        cost=cost,
        requires=("torch", library),
        in_defaults=False,
        takes_text=True,
        # measured: bench/text.py, 2,400 tickets in 60 s on a shared 2-core machine; a pretrained
        # checkpoint: a BERT-base-sized guess (tiny local checkpoints are far faster)
        seconds_per_row=0.025 if scratch else 0.5,
        runtimes=runtimes,
        label="PyTorch" if runtimes else "",
        regress_with=regress_with,
    )
