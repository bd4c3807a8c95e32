"""Which families a search covers by default, and the configurations `strategy=auto` tries first.

The portfolio is a short, hand-picked list per family (the family's defaults first, then a few
configurations that are good on many tables), cheapest families first. It runs before any
Bayesian search, so a tight budget still ends with the best of sound defaults.
"""

from __future__ import annotations

from typing import Any

# Families searched when the caller names none (cheap first; knn/svm/gradient_boosting are slow or
# weak here).
AUTO_FAMILIES = {
    "classification": [
        "logistic_regression",
        "hist_gradient_boosting",
        "lightgbm",
        "extra_trees",
        "xgboost",
        "random_forest",
    ],
    "regression": [
        "ridge",
        "hist_gradient_boosting",
        "lightgbm",
        "extra_trees",
        "xgboost",
        "random_forest",
    ],
}

# Round 1: each family's defaults. Round 2 and 3: configurations that often beat them.
PORTFOLIO: dict[str, list[dict[str, Any]]] = {
    "logistic_regression": [{"C": 1.0}, {"C": 0.1}],
    "ridge": [{"alpha": 1.0}, {"alpha": 10.0}],
    "hist_gradient_boosting": [
        {"learning_rate": 0.1, "max_leaf_nodes": 31, "min_samples_leaf": 20},
        {
            "learning_rate": 0.05,
            "max_leaf_nodes": 15,
            "min_samples_leaf": 10,
            "l2_regularization": 1.0,
        },
        {"learning_rate": 0.03, "max_leaf_nodes": 63, "min_samples_leaf": 30, "max_features": 0.7},
    ],
    "lightgbm": [
        {"learning_rate": 0.05, "num_leaves": 31, "min_child_samples": 20},
        {
            "learning_rate": 0.03,
            "num_leaves": 15,
            "min_child_samples": 10,
            "colsample_bytree": 0.7,
            "subsample": 0.8,
        },
        {"learning_rate": 0.1, "num_leaves": 63, "min_child_samples": 40, "reg_lambda": 1.0},
    ],
    "xgboost": [
        {"learning_rate": 0.1, "max_depth": 6},
        {"learning_rate": 0.05, "max_depth": 4, "subsample": 0.8, "colsample_bytree": 0.8},
    ],
    "extra_trees": [
        {"max_features": 1.0, "min_samples_leaf": 1},
        {"max_features": 0.5, "min_samples_leaf": 2},
    ],
    "random_forest": [
        {"max_features": "sqrt", "min_samples_leaf": 1},
        {"max_features": 0.5, "min_samples_leaf": 3},
    ],
}


def default_families(task: str) -> list[str]:
    from mcp_server.ml.modeling.registry import models_for

    available = models_for(task)
    key = "regression" if task == "regression" else "classification"
    return [m for m in AUTO_FAMILIES[key] if m in available]


def portfolio(
    families: list[str], spaces: dict[str, dict[str, Any]]
) -> list[tuple[str, dict[str, Any]]]:
    """The configurations to try first, round by round across families, each fitted to its space:
    values the caller's space fixes or excludes are dropped (or clipped into its range)."""
    rounds = max((len(PORTFOLIO.get(f, [])) for f in families), default=0)
    out = []
    for i in range(max(rounds, 1)):
        for family in families:
            configs = PORTFOLIO.get(family) or [{}]
            if i < len(configs):
                out.append((family, fit_to_space(configs[i], spaces[family])))
    return out


def fit_to_space(config: dict[str, Any], space: dict[str, Any]) -> dict[str, Any]:
    """Keep the tunable parameters of `config` that lie in `space` (clip numbers into ranges)."""
    out: dict[str, Any] = {}
    for name, value in config.items():
        spec = space.get(name)
        if not isinstance(spec, dict):
            continue
        if spec["type"] == "categorical":
            if value in spec["choices"]:
                out[name] = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            clipped = min(max(value, spec["low"]), spec["high"])
            out[name] = round(clipped) if spec["type"] == "int" else float(clipped)
    return out
