"""The estimator registry: one place that knows every model the tools can fit.

Each entry knows its tasks, the class per task (as an import path, so templates can render it
into generated code), sensible defaults, a search space for tuning, a small grid for the TDD
refactor step, whether it needs scaled inputs, and how it exports to ONNX.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from dataclasses import dataclass, field
from typing import Any

from mcp_server.errors import MoaiMlError

CLASSIFICATION = ("binary", "multiclass")
REGRESSION = ("regression",)
ALL_TASKS = (*CLASSIFICATION, *REGRESSION)


@dataclass(frozen=True)
class EstimatorSpec:
    name: str
    classifier: str | None  # "module:Class"
    regressor: str | None
    defaults_clf: dict[str, Any] = field(default_factory=dict)
    defaults_reg: dict[str, Any] = field(default_factory=dict)
    search_space: dict[str, dict[str, Any]] = field(default_factory=dict)
    small_grid: dict[str, list[Any]] = field(default_factory=dict)
    needs_scaling: bool = False
    onnx: str = "skl2onnx"  # "skl2onnx" | "onnxmltools" | "none"
    extra: str | None = None  # optional-dependency extra that provides it

    @property
    def tasks(self) -> tuple[str, ...]:
        return (CLASSIFICATION if self.classifier else ()) + (REGRESSION if self.regressor else ())

    def class_path(self, task: str) -> str:
        path = self.regressor if task == "regression" else self.classifier
        if path is None:
            raise MoaiMlError(f"model {self.name!r} does not support task {task!r}; it supports {self.tasks}")
        return path

    def defaults(self, task: str) -> dict[str, Any]:
        return dict(self.defaults_reg if task == "regression" else self.defaults_clf)

    def available(self) -> bool:
        module = self.class_path(self.tasks[0]).split(":")[0].split(".")[0]
        return importlib.util.find_spec(module) is not None


def _f(low: float, high: float, log: bool = False) -> dict[str, Any]:
    return {"type": "float", "low": low, "high": high, "log": log}


def _i(low: int, high: int, log: bool = False) -> dict[str, Any]:
    return {"type": "int", "low": low, "high": high, "log": log}


def _c(*choices: Any) -> dict[str, Any]:
    return {"type": "categorical", "choices": list(choices)}


_TREES = {"n_estimators": _i(50, 500, log=True), "max_depth": _i(2, 32), "min_samples_leaf": _i(1, 20)}
_SPECS = [
    EstimatorSpec(
        "logistic_regression",
        "sklearn.linear_model:LogisticRegression",
        None,
        defaults_clf={"max_iter": 2000},
        search_space={"C": _f(1e-3, 1e3, log=True)},
        small_grid={"C": [0.1, 1.0, 10.0]},
        needs_scaling=True,
    ),
    EstimatorSpec(
        "linear_regression",
        None,
        "sklearn.linear_model:LinearRegression",
        needs_scaling=True,
    ),
    EstimatorSpec(
        "ridge",
        None,
        "sklearn.linear_model:Ridge",
        search_space={"alpha": _f(1e-3, 1e3, log=True)},
        small_grid={"alpha": [0.1, 1.0, 10.0]},
        needs_scaling=True,
    ),
    EstimatorSpec(
        "random_forest",
        "sklearn.ensemble:RandomForestClassifier",
        "sklearn.ensemble:RandomForestRegressor",
        defaults_clf={"n_estimators": 200, "n_jobs": 1},
        defaults_reg={"n_estimators": 200, "n_jobs": 1},
        search_space=_TREES,
        small_grid={"n_estimators": [200], "min_samples_leaf": [1, 3]},
    ),
    EstimatorSpec(
        "extra_trees",
        "sklearn.ensemble:ExtraTreesClassifier",
        "sklearn.ensemble:ExtraTreesRegressor",
        defaults_clf={"n_estimators": 200, "n_jobs": 1},
        defaults_reg={"n_estimators": 200, "n_jobs": 1},
        search_space=_TREES,
        small_grid={"n_estimators": [200], "min_samples_leaf": [1, 3]},
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
    ),
    EstimatorSpec(
        "hist_gradient_boosting",
        "sklearn.ensemble:HistGradientBoostingClassifier",
        "sklearn.ensemble:HistGradientBoostingRegressor",
        search_space={
            "learning_rate": _f(0.01, 0.3, log=True),
            "max_leaf_nodes": _i(8, 64, log=True),
            "l2_regularization": _f(1e-6, 10.0, log=True),
        },
        small_grid={"learning_rate": [0.05, 0.1], "max_leaf_nodes": [15, 31]},
    ),
    EstimatorSpec(
        "svm",
        "sklearn.svm:SVC",
        "sklearn.svm:SVR",
        defaults_clf={"probability": True},
        search_space={"C": _f(1e-2, 1e3, log=True), "gamma": _c("scale", "auto")},
        small_grid={"C": [0.3, 1.0, 3.0]},
        needs_scaling=True,
    ),
    EstimatorSpec(
        "knn",
        "sklearn.neighbors:KNeighborsClassifier",
        "sklearn.neighbors:KNeighborsRegressor",
        search_space={"n_neighbors": _i(1, 50), "weights": _c("uniform", "distance")},
        small_grid={"n_neighbors": [5, 15]},
        needs_scaling=True,
    ),
    EstimatorSpec(
        "xgboost",
        "xgboost:XGBClassifier",
        "xgboost:XGBRegressor",
        defaults_clf={"n_estimators": 300, "n_jobs": 1, "tree_method": "hist"},
        defaults_reg={"n_estimators": 300, "n_jobs": 1, "tree_method": "hist"},
        search_space={
            "learning_rate": _f(0.01, 0.3, log=True),
            "max_depth": _i(2, 10),
            "subsample": _f(0.5, 1.0),
            "colsample_bytree": _f(0.5, 1.0),
        },
        small_grid={"learning_rate": [0.05, 0.1], "max_depth": [3, 6]},
        onnx="onnxmltools",
        extra="boost",
    ),
    EstimatorSpec(
        "lightgbm",
        "lightgbm:LGBMClassifier",
        "lightgbm:LGBMRegressor",
        defaults_clf={"n_estimators": 300, "n_jobs": 1, "verbose": -1},
        defaults_reg={"n_estimators": 300, "n_jobs": 1, "verbose": -1},
        search_space={
            "learning_rate": _f(0.01, 0.3, log=True),
            "num_leaves": _i(8, 128, log=True),
            "min_child_samples": _i(5, 100, log=True),
        },
        small_grid={"learning_rate": [0.05, 0.1], "num_leaves": [15, 31]},
        onnx="onnxmltools",
        extra="boost",
    ),
]
REGISTRY: dict[str, EstimatorSpec] = {spec.name: spec for spec in _SPECS}


def get_spec(name: str) -> EstimatorSpec:
    if name not in REGISTRY:
        raise MoaiMlError(f"unknown model {name!r}; valid models: {', '.join(REGISTRY)}")
    spec = REGISTRY[name]
    if not spec.available():
        raise MoaiMlError(f"model {name!r} needs the '{spec.extra}' extra: pip install 'moai-domain-ml[{spec.extra}]'")
    return spec


def models_for(task: str, *, available_only: bool = True) -> list[str]:
    return [s.name for s in _SPECS if task in s.tasks and (s.available() or not available_only)]


def default_model(task: str, rows: int) -> str:
    """A sensible first estimator: a strong, fast, robust tree ensemble for most tables."""
    if task == "regression":
        return "ridge" if rows < 1000 else "hist_gradient_boosting"
    return "logistic_regression" if rows < 1000 else "hist_gradient_boosting"


def make_estimator(name: str, task: str, params: dict[str, Any] | None = None, seed: int | None = 0) -> Any:
    """Instantiate the estimator with defaults, then the caller's params (validated by the estimator)."""
    spec = get_spec(name)
    module_name, class_name = spec.class_path(task).split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    kwargs = spec.defaults(task)
    if seed is not None and "random_state" in inspect.signature(cls).parameters:
        kwargs["random_state"] = seed
    kwargs.update(params or {})
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
