"""The estimator registry: the one place that knows every model family the tools can fit.

Each entry knows its tasks, the class per task (as an import path, so templates can render it
into generated code), sensible defaults, a search space for tuning, a small grid for the TDD
refactor step, whether it needs scaled inputs, how it exports to ONNX, which packages load it,
the types its skops file holds, how cheap it is to fit, and whether it is a default candidate.
Adding a model family is one entry here (and its tests); nothing else tests model names.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from dataclasses import dataclass, field
from typing import Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.core.names import CLASSIFICATION_TASKS, REGRESSION, REGRESSION_TASKS

# Types skops does not trust by default that every fitted moai pipeline may contain.
BASE_SKOPS_TYPES = (
    "numpy.dtype",
    "collections.OrderedDict",
    "mcp_server.ml.modeling.faithful.LabelledModel",
)


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
    onnx: str = "skl2onnx"
    extra: str | None = None  # optional-dependency extra that provides it
    packages: tuple[
        str, ...
    ] = ()  # distributions needed to load a fitted model, besides scikit-learn
    skops_types: tuple[
        str, ...
    ] = ()  # types its skops file holds that skops does not trust by default
    cost: int = 5  # relative fitting cost: cheap models first when a time budget is tight
    label_is_argmax: bool = True  # `predict` is the first argmax of `predict_proba` (SVC's is not)
    parity_note: str = ""  # why an ONNX parity check of this family can fail, for the error message
    default_candidate: bool = False  # always among a SPEC's default refactor candidates
    requires: tuple[str, ...] = ()  # modules it needs, when its class lives in this package
    in_defaults: bool = True  # in "every available model" lists (a comparison's default)

    @property
    def tasks(self) -> tuple[str, ...]:
        return (CLASSIFICATION_TASKS if self.classifier else ()) + (
            REGRESSION_TASKS if self.regressor else ()
        )

    def class_path(self, task: str) -> str:
        path = self.regressor if task == REGRESSION else self.classifier
        if path is None:
            raise MoaiMlError(
                f"model {self.name!r} does not support task {task!r}; it supports {self.tasks}"
            )
        return path

    def defaults(self, task: str) -> dict[str, Any]:
        return dict(self.defaults_reg if task == REGRESSION else self.defaults_clf)

    def available(self) -> bool:
        modules = self.requires or (self.class_path(self.tasks[0]).split(":")[0].split(".")[0],)
        return all(importlib.util.find_spec(module) is not None for module in modules)


def _f(low: float, high: float, log: bool = False) -> dict[str, Any]:
    return {"type": "float", "low": low, "high": high, "log": log}


def _i(low: int, high: int, log: bool = False) -> dict[str, Any]:
    return {"type": "int", "low": low, "high": high, "log": log}


def _c(*choices: Any) -> dict[str, Any]:
    return {"type": "categorical", "choices": list(choices)}


# Forests are not better with a tuned tree count (more is never worse, only slower): tune the trees
# themselves.
_TREES = {"max_features": _c("sqrt", 0.5, 0.75, 1.0), "min_samples_leaf": _i(1, 20, log=True)}
_FOREST = {"n_estimators": 200, "n_jobs": 1}
_TREE_TYPES = ("sklearn.tree._tree.Tree",)
_BOOST = {"n_estimators": 300, "n_jobs": 1}
_SPECS = [
    EstimatorSpec(
        "logistic_regression",
        "sklearn.linear_model:LogisticRegression",
        None,
        defaults_clf={"max_iter": 2000},
        search_space={"C": _f(1e-3, 1e3, log=True)},
        small_grid={"C": [0.1, 1.0, 10.0]},
        needs_scaling=True,
        cost=0,
    ),
    EstimatorSpec(
        "linear_regression",
        None,
        "sklearn.linear_model:LinearRegression",
        needs_scaling=True,
        cost=1,
    ),
    EstimatorSpec(
        "ridge",
        None,
        "sklearn.linear_model:Ridge",
        search_space={"alpha": _f(1e-3, 1e3, log=True)},
        small_grid={"alpha": [0.1, 1.0, 10.0]},
        needs_scaling=True,
        cost=2,
    ),
    EstimatorSpec(
        "random_forest",
        "sklearn.ensemble:RandomForestClassifier",
        "sklearn.ensemble:RandomForestRegressor",
        defaults_clf=_FOREST,
        defaults_reg=_FOREST,
        search_space=_TREES,
        small_grid={"n_estimators": [200], "min_samples_leaf": [1, 3]},
        skops_types=_TREE_TYPES,
        cost=6,
        default_candidate=True,
    ),
    EstimatorSpec(
        "extra_trees",
        "sklearn.ensemble:ExtraTreesClassifier",
        "sklearn.ensemble:ExtraTreesRegressor",
        defaults_clf=_FOREST,
        defaults_reg=_FOREST,
        search_space=_TREES,
        small_grid={"n_estimators": [200], "min_samples_leaf": [1, 3]},
        skops_types=_TREE_TYPES,
        cost=7,
    ),
    EstimatorSpec(
        "gradient_boosting",
        "sklearn.ensemble:GradientBoostingClassifier",
        "sklearn.ensemble:GradientBoostingRegressor",
        search_space={
            "learning_rate": _f(0.01, 0.3, log=True),
            "n_estimators": _i(50, 500, log=True),
            "max_depth": _i(2, 6),
        },
        small_grid={"learning_rate": [0.05, 0.1], "max_depth": [2, 3]},
        skops_types=_TREE_TYPES,
        cost=9,
    ),
    EstimatorSpec(
        "hist_gradient_boosting",
        "sklearn.ensemble:HistGradientBoostingClassifier",
        "sklearn.ensemble:HistGradientBoostingRegressor",
        search_space={
            "learning_rate": _f(0.01, 0.3, log=True),
            "max_leaf_nodes": _i(8, 128, log=True),
            "l2_regularization": _f(1e-6, 10.0, log=True),
            "min_samples_leaf": _i(2, 100, log=True),
            "max_features": _f(0.4, 1.0),
        },
        small_grid={"learning_rate": [0.05, 0.1], "max_leaf_nodes": [15, 31]},
        skops_types=("sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",),
        cost=3,
        default_candidate=True,
    ),
    EstimatorSpec(
        "svm",
        "sklearn.svm:SVC",
        "sklearn.svm:SVR",
        defaults_clf={"probability": True},
        search_space={"C": _f(1e-2, 1e3, log=True), "gamma": _c("scale", "auto")},
        small_grid={"C": [0.3, 1.0, 3.0]},
        needs_scaling=True,
        cost=10,
        label_is_argmax=False,
    ),
    EstimatorSpec(
        "knn",
        "sklearn.neighbors:KNeighborsClassifier",
        "sklearn.neighbors:KNeighborsRegressor",
        search_space={"n_neighbors": _i(1, 50), "weights": _c("uniform", "distance")},
        small_grid={"n_neighbors": [5, 15]},
        needs_scaling=True,
        cost=8,
        skops_types=(
            "sklearn.metrics._dist_metrics.EuclideanDistance64",
            "sklearn.neighbors._kd_tree.KDTree",
            "sklearn.neighbors._ball_tree.BallTree",
        ),
        parity_note="Nearest-neighbour models can pick different neighbours on tied distances.",
    ),
    EstimatorSpec(
        "xgboost",
        "xgboost:XGBClassifier",
        "xgboost:XGBRegressor",
        defaults_clf={**_BOOST, "tree_method": "hist"},
        defaults_reg={**_BOOST, "tree_method": "hist"},
        search_space={
            "learning_rate": _f(0.01, 0.3, log=True),
            "max_depth": _i(2, 10),
            "subsample": _f(0.5, 1.0),
            "colsample_bytree": _f(0.5, 1.0),
            "min_child_weight": _f(0.1, 20.0, log=True),
            "reg_lambda": _f(1e-3, 10.0, log=True),
        },
        small_grid={"learning_rate": [0.05, 0.1], "max_depth": [3, 6]},
        onnx="onnxmltools",
        extra="boost",
        packages=("xgboost",),
        cost=5,
        skops_types=(
            "xgboost.core.Booster",
            "xgboost.sklearn.XGBClassifier",
            "xgboost.sklearn.XGBRegressor",
        ),
    ),
    EstimatorSpec(
        "lightgbm",
        "lightgbm:LGBMClassifier",
        "lightgbm:LGBMRegressor",
        defaults_clf={**_BOOST, "verbose": -1},
        defaults_reg={**_BOOST, "verbose": -1},
        search_space={
            "learning_rate": _f(0.01, 0.3, log=True),
            "num_leaves": _i(8, 128, log=True),
            "min_child_samples": _i(5, 100, log=True),
            "subsample": _f(0.5, 1.0),
            "subsample_freq": _c(1),
            "colsample_bytree": _f(0.4, 1.0),
            "reg_lambda": _f(1e-3, 10.0, log=True),
        },
        small_grid={"learning_rate": [0.05, 0.1], "num_leaves": [15, 31]},
        onnx="onnxmltools",
        extra="boost",
        packages=("lightgbm",),
        cost=4,
        skops_types=(
            "lightgbm.basic.Booster",
            "lightgbm.sklearn.LGBMClassifier",
            "lightgbm.sklearn.LGBMRegressor",
        ),
    ),
]
# Neural networks for tables (the `dl` extra): seconds per fit, so compared only when named.
# Tuning caps the epochs too: early stopping (on a validation split) ends most trials sooner.
_NEURAL_SPACE = {
    "hidden_units": _i(16, 256, log=True),
    "n_layers": _i(1, 3),
    "dropout": _f(0.0, 0.5),
    "learning_rate": _f(1e-4, 1e-2, log=True),
    "weight_decay": _f(1e-6, 1e-2, log=True),
    "max_epochs": _i(20, 150, log=True),
}
_NEURAL = "mcp_server.ml.modeling."
_SPECS += [
    EstimatorSpec(
        "torch_mlp",
        _NEURAL + "neural:TorchMLPClassifier",
        _NEURAL + "neural:TorchMLPRegressor",
        search_space=_NEURAL_SPACE,
        small_grid={"hidden_units": [32, 64]},
        needs_scaling=True,
        onnx="torch",
        extra="dl",
        packages=("torch", "skorch", "moai-domain-ml"),
        cost=12,
        requires=("torch", "skorch"),
        in_defaults=False,
    ),
    EstimatorSpec(
        "keras_mlp",
        _NEURAL + "keras_mlp:KerasMLPClassifier",
        _NEURAL + "keras_mlp:KerasMLPRegressor",
        search_space=_NEURAL_SPACE,
        small_grid={"hidden_units": [32, 64]},
        needs_scaling=True,
        onnx="torch",
        extra="dl",
        packages=("torch", "keras", "moai-domain-ml"),
        cost=12,
        requires=("torch", "keras"),
        in_defaults=False,
    ),
]
REGISTRY: dict[str, EstimatorSpec] = {spec.name: spec for spec in _SPECS}


def get_spec(name: str) -> EstimatorSpec:
    if name not in REGISTRY:
        raise MoaiMlError(f"unknown model {name!r}; valid models: {', '.join(REGISTRY)}")
    spec = REGISTRY[name]
    if not spec.available():
        raise MoaiMlError(
            f"model {name!r} needs the '{spec.extra}' extra: pip install "
            f"'moai-domain-ml[{spec.extra}]'"
        )
    return spec


def models_for(task: str, *, available_only: bool = True) -> list[str]:
    """Every model that fits the task, in registry order."""
    return [s.name for s in _SPECS if task in s.tasks and (s.available() or not available_only)]


def fast_first(task: str) -> list[str]:
    """Every available model that fits the task, cheap ones first (a comparison's default)."""
    return sorted(
        (m for m in models_for(task) if REGISTRY[m].in_defaults),
        key=lambda name: REGISTRY[name].cost,
    )


def default_model(task: str, rows: int) -> str:
    """A sensible first estimator: a fast linear model for small tables, else a robust boosted
    tree."""
    if task == REGRESSION:
        return "ridge" if rows < 1000 else "hist_gradient_boosting"
    return "logistic_regression" if rows < 1000 else "hist_gradient_boosting"


def default_candidates(task: str, rows: int) -> list[str]:
    """A SPEC's refactor candidates when it names none: the first choice, then the default
    candidates."""
    out = [default_model(task, rows)]
    out += [s.name for s in _SPECS if s.default_candidate and task in s.tasks and s.name not in out]
    return out


def trusted_skops_types() -> tuple[str, ...]:
    """Every type a registry pipeline's skops file may hold beyond skops' own trusted list."""
    return tuple(dict.fromkeys(BASE_SKOPS_TYPES + tuple(t for s in _SPECS for t in s.skops_types)))


def label_is_argmax(model_name: str) -> bool:
    """Whether the model's label is the first argmax of its probabilities (unknown names: yes)."""
    spec = REGISTRY.get(model_name)
    return spec.label_is_argmax if spec is not None else True


def parity_note(model_name: str) -> str:
    spec = REGISTRY.get(model_name)
    return f" {spec.parity_note}" if spec is not None and spec.parity_note else ""


def runtime_packages(model_name: str) -> tuple[str, ...]:
    """Distributions a fitted model of this family needs to load, besides scikit-learn."""
    spec = REGISTRY.get(model_name)
    return spec.packages if spec is not None else ()


def estimator_parts(
    name: str, task: str, params: dict[str, Any] | None, seed: int | None
) -> tuple[Any, dict[str, Any]]:
    """The estimator class and its keyword arguments: defaults, the seed, then the caller's params.

    The one recipe for an estimator: `make_estimator` builds it, and the TDD context renders the
    same class and arguments into generated code."""
    spec = get_spec(name)
    module_name, class_name = spec.class_path(task).split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    kwargs = spec.defaults(task)
    if seed is not None and "random_state" in inspect.signature(cls).parameters:
        kwargs["random_state"] = seed
    from mcp_server.safety.guards import refuse_file_params

    refuse_file_params(params or {})  # LightGBM's forcedbins_filename & co. would read server files
    kwargs.update(params or {})
    return cls, kwargs


def check_params(name: str, task: str, params: dict[str, Any] | None, seed: int | None) -> None:
    """The estimator's own refusal of `params` (as `make_estimator` words it), for the task given
    or, with task "auto", the family's first; nothing for a task the family does not do."""
    spec = get_spec(name)
    task = task if task != "auto" else spec.tasks[0]
    if task in spec.tasks:
        make_estimator(name, task, params, seed)


def make_estimator(
    name: str, task: str, params: dict[str, Any] | None = None, seed: int | None = 0
) -> Any:
    """Instantiate the estimator with defaults, then the caller's params (validated by the
    estimator)."""
    cls, kwargs = estimator_parts(name, task, params, seed)
    try:
        estimator = cls(**kwargs)
        if hasattr(estimator, "_parameter_constraints"):
            estimator._validate_params()  # scikit-learn's own checks, before any fit
    except (TypeError, ValueError) as exc:
        raise MoaiMlError(f"invalid params for {name}: {_clean(exc)}") from exc
    return estimator


def _clean(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
