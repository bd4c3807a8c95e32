"""Building a family's estimator: its class and keyword arguments (`estimator_parts`, also what
the TDD context renders into generated code), the instance (`make_estimator`) and the estimator's
own refusal of bad parameters (`check_params`).
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.modeling.catalog import get_spec


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
        raise MoaiMlError(
            f"invalid params for {name}: {_clean(exc)}; fix or leave out that key of params="
        ) from exc
    return estimator


def _clean(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
