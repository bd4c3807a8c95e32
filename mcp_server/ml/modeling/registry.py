"""The estimator registry: the one place that names the model families the tools can fit.

Each entry (an `EstimatorSpec`) knows its tasks, the class per task (as an import path, so
templates can render it into generated code), sensible defaults, a search space for tuning and
the configurations an AutoML search tries first, a small grid for the TDD refactor step,
whether it needs scaled inputs, how a search stops it early, how it exports to ONNX, which
runtimes serve it, which packages load it, the types its skops file holds, how cheap it is to fit,
and whether it is a default choice. Adding a model family is one entry here, or in
`registry_dl` (neural, image, text) or `registry_series` (forecasts), and its tests;
nothing else names a model family (tests/test_one_home.py): what other modules need is asked of
`catalog` (lookups) and `estimators` (construction).
"""

from __future__ import annotations

from mcp_server.ml.modeling.estimator_spec import (
    EstimatorSpec,
    choices,
    floats,
    ints,
)
from mcp_server.ml.modeling.registry_dl import DEEP_LEARNING
from mcp_server.ml.modeling.registry_series import FORECASTING

# Forests: more trees is never worse, only slower; tune the trees themselves.
_TREES = {
    "max_features": choices("sqrt", 0.5, 0.75, 1.0),
    "min_samples_leaf": ints(1, 20, log=True),
}
_FOREST = {"n_estimators": 200, "n_jobs": 1}
_TREE_TYPES = ("sklearn.tree._tree.Tree",)
_BOOST = {"n_estimators": 300, "n_jobs": 1}
_SPECS = [
    EstimatorSpec(
        "logistic_regression",
        "sklearn.linear_model:LogisticRegression",
        None,
        defaults_clf={"max_iter": 2000},
        search_space={"C": floats(1e-3, 1e3, log=True)},
        small_grid={"C": [0.1, 1.0, 10.0]},
        needs_scaling=True,
        cost=0,
        first_choice="small",
        auto_search=True,
        portfolio=({"C": 1.0}, {"C": 0.1}),
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
        search_space={"alpha": floats(1e-3, 1e3, log=True)},
        small_grid={"alpha": [0.1, 1.0, 10.0]},
        needs_scaling=True,
        cost=2,
        first_choice="small",
        auto_search=True,
        portfolio=({"alpha": 1.0}, {"alpha": 10.0}),
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
        auto_search=True,
        portfolio=(
            {"max_features": "sqrt", "min_samples_leaf": 1},
            {"max_features": 0.5, "min_samples_leaf": 3},
        ),
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
        auto_search=True,
        portfolio=(
            {"max_features": 1.0, "min_samples_leaf": 1},
            {"max_features": 0.5, "min_samples_leaf": 2},
        ),
    ),
    EstimatorSpec(
        "gradient_boosting",
        "sklearn.ensemble:GradientBoostingClassifier",
        "sklearn.ensemble:GradientBoostingRegressor",
        search_space={
            "learning_rate": floats(0.01, 0.3, log=True),
            "n_estimators": ints(50, 500, log=True),
            "max_depth": ints(2, 6),
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
            "learning_rate": floats(0.01, 0.3, log=True),
            "max_leaf_nodes": ints(8, 128, log=True),
            "l2_regularization": floats(1e-6, 10.0, log=True),
            "min_samples_leaf": ints(2, 100, log=True),
            "max_features": floats(0.4, 1.0),
        },
        small_grid={"learning_rate": [0.05, 0.1], "max_leaf_nodes": [15, 31]},
        skops_types=("sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",),
        cost=3,
        default_candidate=True,
        first_choice="large",
        auto_search=True,
        portfolio=(
            {"learning_rate": 0.1, "max_leaf_nodes": 31, "min_samples_leaf": 20},
            {
                "learning_rate": 0.05,
                "max_leaf_nodes": 15,
                "min_samples_leaf": 10,
                "l2_regularization": 1.0,
            },
            {
                "learning_rate": 0.03,
                "max_leaf_nodes": 63,
                "min_samples_leaf": 30,
                "max_features": 0.7,
            },
        ),
        early_stop="own_validation",
    ),
    # Count and skewed non-negative targets: a log link and a deviance loss instead of squared
    # error; compared, and SPEC candidates, only when the target is such a target.
    EstimatorSpec(
        "poisson_regression",
        None,
        "sklearn.linear_model:PoissonRegressor",
        defaults_reg={"max_iter": 1000},
        search_space={"alpha": floats(1e-4, 10.0, log=True)},
        small_grid={"alpha": [0.01, 0.1, 1.0]},
        needs_scaling=True,
        cost=1,
        in_defaults=False,
        count_objective=True,
    ),
    EstimatorSpec(
        "tweedie_regression",
        None,
        "sklearn.linear_model:TweedieRegressor",
        defaults_reg={"power": 1.5, "link": "log", "max_iter": 1000},
        search_space={"alpha": floats(1e-4, 10.0, log=True), "power": floats(1.1, 1.9)},
        small_grid={"alpha": [0.01, 0.1, 1.0]},
        needs_scaling=True,
        cost=1,
        in_defaults=False,
        count_objective=True,
    ),
    EstimatorSpec(
        "poisson_boosting",
        None,
        "sklearn.ensemble:HistGradientBoostingRegressor",
        defaults_reg={"loss": "poisson"},
        search_space={
            "learning_rate": floats(0.01, 0.3, log=True),
            "max_leaf_nodes": ints(8, 128, log=True),
            "l2_regularization": floats(1e-6, 10.0, log=True),
            "min_samples_leaf": ints(2, 100, log=True),
        },
        small_grid={"learning_rate": [0.05, 0.1], "max_leaf_nodes": [15, 31]},
        skops_types=("sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",),
        cost=3,
        in_defaults=False,
        count_objective=True,
        early_stop="own_validation",
    ),
    EstimatorSpec(
        "svm",
        "sklearn.svm:SVC",
        "sklearn.svm:SVR",
        defaults_clf={"probability": True},
        search_space={"C": floats(1e-2, 1e3, log=True), "gamma": choices("scale", "auto")},
        small_grid={"C": [0.3, 1.0, 3.0]},
        needs_scaling=True,
        cost=10,
        label_is_argmax=False,
    ),
    EstimatorSpec(
        "knn",
        "sklearn.neighbors:KNeighborsClassifier",
        "sklearn.neighbors:KNeighborsRegressor",
        search_space={"n_neighbors": ints(1, 50), "weights": choices("uniform", "distance")},
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
            "learning_rate": floats(0.01, 0.3, log=True),
            "max_depth": ints(2, 10),
            "subsample": floats(0.5, 1.0),
            "colsample_bytree": floats(0.5, 1.0),
            "min_child_weight": floats(0.1, 20.0, log=True),
            "reg_lambda": floats(1e-3, 10.0, log=True),
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
        auto_search=True,
        portfolio=(
            {"learning_rate": 0.1, "max_depth": 6},
            {"learning_rate": 0.05, "max_depth": 4, "subsample": 0.8, "colsample_bytree": 0.8},
        ),
        early_stop="rounds_param",
        dask_classifier="xgboost.dask:DaskXGBClassifier",
        dask_regressor="xgboost.dask:DaskXGBRegressor",
    ),
    EstimatorSpec(
        "lightgbm",
        "lightgbm:LGBMClassifier",
        "lightgbm:LGBMRegressor",
        defaults_clf={**_BOOST, "verbose": -1},
        defaults_reg={**_BOOST, "verbose": -1},
        search_space={
            "learning_rate": floats(0.01, 0.3, log=True),
            "num_leaves": ints(8, 128, log=True),
            "min_child_samples": ints(5, 100, log=True),
            "subsample": floats(0.5, 1.0),
            "subsample_freq": choices(1),
            "colsample_bytree": floats(0.4, 1.0),
            "reg_lambda": floats(1e-3, 10.0, log=True),
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
        auto_search=True,
        portfolio=(
            {"learning_rate": 0.05, "num_leaves": 31, "min_child_samples": 20},
            {
                "learning_rate": 0.03,
                "num_leaves": 15,
                "min_child_samples": 10,
                "colsample_bytree": 0.7,
                "subsample": 0.8,
            },
            {"learning_rate": 0.1, "num_leaves": 63, "min_child_samples": 40, "reg_lambda": 1.0},
        ),
        early_stop="rounds_callback",
        dask_classifier="lightgbm:DaskLGBMClassifier",
        dask_regressor="lightgbm:DaskLGBMRegressor",
    ),
]
# The deep-learning and forecasting entries live beside this module, one file per kind.
_SPECS += DEEP_LEARNING + FORECASTING
REGISTRY: dict[str, EstimatorSpec] = {spec.name: spec for spec in _SPECS}

__all__ = ["REGISTRY"]
