"""Search spaces: the estimator registry's `search_space` per model, merged with a caller's
overrides.

A space maps a parameter to one of
- `{"type": "float"|"int", "low": L, "high": H, "log": bool}` (a range),
- `{"type": "categorical", "choices": [...]}` (a choice),
- a plain scalar (the parameter is fixed).
Overrides use the same shapes; a list is shorthand for a choice. Every space is checked before
any process starts, so a bad one is a one-line error and nothing is written.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from mcp_server.core.errors import MoaiMlError

GRID_POINTS = 3  # points per numeric range in a grid
MAX_GRID = 500


def _check_range(model: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    kind = spec.get("type")
    low, high = spec.get("low"), spec.get("high")
    where = f"[{model!r}][{name!r}]"
    if (
        not isinstance(low, int | float)
        or not isinstance(high, int | float)
        or isinstance(low, bool)
    ):
        raise MoaiMlError(
            f"search_space{where} needs numeric 'low' and 'high', e.g. "
            f"{{'type': 'float', 'low': 0.01, 'high': 1}}"
        )
    if not math.isfinite(low) or not math.isfinite(high) or low > high:
        raise MoaiMlError(f"search_space{where}: low ({low}) must be <= high ({high}), both finite")
    log = bool(spec.get("log", False))
    if log and low <= 0:
        raise MoaiMlError(f"search_space{where}: a log range needs low > 0 (got {low})")
    if kind == "int":
        if int(low) != low or int(high) != high:
            raise MoaiMlError(
                f"search_space{where}: an int range needs whole numbers (got {low}..{high})"
            )
        return {"type": "int", "low": int(low), "high": int(high), "log": log}
    return {"type": "float", "low": float(low), "high": float(high), "log": log}


def normalise(model: str, name: str, spec: Any) -> Any:
    """One parameter's spec in canonical form, or a clear error."""
    if isinstance(spec, list):
        spec = {"type": "categorical", "choices": spec}
    if not isinstance(spec, dict):
        return spec  # a fixed value
    kind = spec.get("type")
    if kind in ("int", "float"):
        return _check_range(model, name, spec)
    if kind == "categorical":
        choices = spec.get("choices")
        if not isinstance(choices, list) or not choices:
            raise MoaiMlError(
                f"search_space[{model!r}][{name!r}]: a categorical needs a non-empty 'choices' list"
            )
        if not all(c is None or isinstance(c, bool | int | float | str) for c in choices):
            raise MoaiMlError(
                f"search_space[{model!r}][{name!r}]: choices must be numbers, strings, "
                "booleans or null"
            )
        return {"type": "categorical", "choices": list(choices)}
    raise MoaiMlError(
        f"search_space[{model!r}][{name!r}] has type {kind!r}; use 'float', 'int' or 'categorical' "
        "(or a list of choices, or a fixed value)"
    )


def model_space(model: str, task: str, override: dict[str, Any] | None = None) -> dict[str, Any]:
    """The registry's space for `model`, updated with `override`; parameters the estimator does not
    take
    are refused by name."""
    from mcp_server.ml.modeling.catalog import get_spec
    from mcp_server.ml.modeling.estimators import make_estimator

    spec = get_spec(model)
    space = {name: normalise(model, name, value) for name, value in spec.search_space.items()}
    if override is not None:
        if not isinstance(override, dict):
            raise MoaiMlError(
                f"search_space[{model!r}] must be an object of parameter -> range, choices or value"
            )
        if not override and not space:
            raise MoaiMlError(
                f"search_space[{model!r}] is empty and the registry has no space for it; "
                "give parameters"
            )
        space.update({name: normalise(model, name, value) for name, value in override.items()})
    known = set(make_estimator(model, task, {}, 0).get_params(deep=False))
    unknown = sorted(set(space) - known)
    if unknown:
        raise MoaiMlError(
            f"search_space[{model!r}] names parameters {model} does not take: {unknown[:5]}"
        )
    return space


def check_overrides(overrides: dict[str, Any], models: list[str]) -> None:
    """Overrides only for models that are searched."""
    stray = sorted(set(overrides) - set(models))
    if stray:
        raise MoaiMlError(
            f"search_space names models that are not searched: {stray[:5]}; searched: {models}"
        )


def is_tunable(space: dict[str, Any]) -> bool:
    return any(isinstance(v, dict) for v in space.values())


def size(space: dict[str, Any]) -> int | None:
    """How many distinct configurations the space holds (1 without a tunable parameter), or None
    when a float range makes it unbounded: a search that has tried them all has nothing left."""
    count = 1
    for spec in space.values():
        if not isinstance(spec, dict):
            continue
        if spec["type"] == "float":
            return None
        count *= len(spec["choices"]) if spec["type"] == "categorical" else _span(spec)
    return count


def _span(spec: dict[str, Any]) -> int:
    return int(spec["high"]) - int(spec["low"]) + 1


def fixed(space: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in space.items() if not isinstance(v, dict)}


def distributions(space: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Optuna distributions of the tunable parameters, named `<prefix>.<param>`."""
    import optuna.distributions as d

    out: dict[str, Any] = {}
    for name, spec in space.items():
        if not isinstance(spec, dict):
            continue
        key = f"{prefix}.{name}"
        if spec["type"] == "int":
            out[key] = d.IntDistribution(spec["low"], spec["high"], log=spec["log"])
        elif spec["type"] == "float":
            out[key] = d.FloatDistribution(spec["low"], spec["high"], log=spec["log"])
        else:
            out[key] = d.CategoricalDistribution(spec["choices"])
    return out


def suggest(trial: Any, space: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Sample a configuration from an Optuna `trial` (fixed values pass through)."""
    params = fixed(space)
    for name, spec in space.items():
        if not isinstance(spec, dict):
            continue
        key = f"{prefix}.{name}"
        if spec["type"] == "int":
            params[name] = trial.suggest_int(key, spec["low"], spec["high"], log=spec["log"])
        elif spec["type"] == "float":
            params[name] = trial.suggest_float(key, spec["low"], spec["high"], log=spec["log"])
        else:
            params[name] = trial.suggest_categorical(key, spec["choices"])
    return params


def grid(space: dict[str, Any]) -> list[dict[str, Any]]:
    """Grid points: every choice, and GRID_POINTS values (geometric for log ranges) of each
    range."""
    axes: dict[str, list[Any]] = {}
    for name, spec in space.items():
        if not isinstance(spec, dict):
            axes[name] = [spec]
        elif spec["type"] == "categorical":
            axes[name] = list(spec["choices"])
        else:
            axes[name] = _points(spec)
    points = [dict(zip(axes, combo, strict=True)) for combo in itertools.product(*axes.values())]
    return points[:MAX_GRID]


def _points(spec: dict[str, Any]) -> list[Any]:
    low, high = spec["low"], spec["high"]
    if spec["log"]:
        values = [low * (high / low) ** (i / (GRID_POINTS - 1)) for i in range(GRID_POINTS)]
    else:
        values = [low + (high - low) * i / (GRID_POINTS - 1) for i in range(GRID_POINTS)]
    if spec["type"] == "int":
        return sorted({round(v) for v in values})
    return sorted({float(f"{v:.4g}") for v in values})


def hyperopt_space(space: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The same space in hyperopt's terms."""
    import numpy as np
    from hyperopt import hp
    from hyperopt.pyll import scope

    out: dict[str, Any] = {}
    for name, spec in space.items():
        key = f"{prefix}.{name}"
        if not isinstance(spec, dict):
            out[name] = spec
        elif spec["type"] == "categorical":
            out[name] = hp.choice(key, spec["choices"])
        elif spec["type"] == "int":
            low, high = spec["low"], spec["high"]
            dist = (
                hp.qloguniform(key, np.log(low), np.log(high), 1)
                if spec["log"]
                else hp.quniform(key, low, high, 1)
            )
            out[name] = scope.int(dist)
        elif spec["log"]:
            out[name] = hp.loguniform(key, np.log(spec["low"]), np.log(spec["high"]))
        else:
            out[name] = hp.uniform(key, spec["low"], spec["high"])
    return out
