"""The fields of a SPEC's `## ML` block: which are required, the defaults of the others, and the
checks of each value's type and range (one `SpecError` naming the field).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from mcp_server.core.errors import SpecError
from mcp_server.core.names import TASK_CHOICES
from mcp_server.ml.modeling.metrics_spec import valid
from mcp_server.safety.guards import show as _show

ML_REQUIRED = ("dataset", "target", "metric", "threshold")
TASKS = TASK_CHOICES
DEFAULTS: dict[str, Any] = {
    "task": "auto",
    "baseline_margin": 0.0,
    "secondary": {},
    "test_size": 0.2,
    "cv_folds": 5,
    "seed": 42,
    "candidates": None,  # filled from the registry once the task is known
    "drop": [],
    "max_latency_ms": 100.0,
    "max_model_mb": 100.0,
    # REFACTOR tunes within this many seconds when a gate is unmet (None: never)
    "tune_budget_s": None,
    # ml_promote's required win over the current champion (ml/monitoring/promotion.py)
    "promotion_margin": 0.0,
    # columns the model card reports subgroup metrics for (people-related attributes)
    "sensitive": [],
    # the kind of data (`ml/data/kinds`; None: detected from the dataset) and a series' options
    "kind": None,
    "time_column": None,
    "series_id": None,
    "horizon": None,
    "frequency": None,
    "season_length": None,
    # where its fits run (local, local-cluster, tcp://host:port); the column naming an entity
    # (patient, customer) whose rows every split keeps on one side (`ml/data/splits`)
    "cluster": None,
    "group_column": None,
}
SERIES_FIELDS = ("time_column", "series_id", "horizon", "frequency", "season_length")
FIELDS = (*ML_REQUIRED, *DEFAULTS)


def text(values: dict[str, Any], name: str) -> str:
    value = values[name]
    if (
        not isinstance(value, str | int | float)
        or isinstance(value, bool)
        or not str(value).strip()
    ):
        raise SpecError(
            f"field {name!r} must be a non-empty string, got {_show(value)}; "
            "set it in the SPEC's '## ML' block"
        )
    return str(value).strip()


def choice(values: dict[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = str(values[name]).strip()
    if value not in choices:
        raise SpecError(
            f"unknown {name} {_show(value)}; valid: {', '.join(choices)}; "
            "set it in the SPEC's '## ML' block"
        )
    return value


def number(
    values: dict[str, Any],
    name: str,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
) -> float:
    value = values[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SpecError(
            f"field {name!r} must be a finite number, got {_show(value)}; "
            "set it in the SPEC's '## ML' block"
        )
    if integer and int(value) != value:
        raise SpecError(
            f"field {name!r} must be a whole number, got {_show(value)}; "
            "set it in the SPEC's '## ML' block"
        )
    if (low is not None and value < low) or (high is not None and value > high):
        raise SpecError(
            f"field {name!r} = {value} is out of range [{low}, {high}]; "
            "set it in the SPEC's '## ML' block"
        )
    return float(value)


def gates(value: Any) -> dict[str, float]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise SpecError(
            f"field 'secondary' must be a mapping metric: threshold, e.g. {{f1: 0.9}}; got "
            f"{_show(value)}"
        )
    out = {}
    for name, threshold in value.items():
        if str(name) not in valid():
            raise SpecError(
                f"unknown metric {name!r} in the SPEC's secondary; "
                f"valid metrics: {', '.join(valid())}"
            )
        out[str(name)] = number({str(name): threshold}, str(name))
    return out


def names(value: Any, name: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in value
    ):
        raise SpecError(
            f"field {name!r} must be a list of names, got {_show(value)}; "
            "set it in the SPEC's '## ML' block"
        )
    return [str(v) for v in value]


def checked(values: dict[str, Any]) -> dict[str, Any]:
    """Every ML field of `values` (defaults filled in) checked, as `MlSpec`'s keyword arguments."""
    return {
        "dataset": text(values, "dataset"),
        "target": text(values, "target"),
        "task": choice(values, "task", TASKS),
        "metric": text(values, "metric"),
        "threshold": number(values, "threshold"),
        "baseline_margin": number(values, "baseline_margin", low=0.0),
        "secondary": gates(values.get("secondary")),
        "test_size": number(values, "test_size", low=0.05, high=0.5),
        "cv_folds": int(number(values, "cv_folds", low=2, high=20, integer=True)),
        "seed": int(number(values, "seed", low=0, high=2**32 - 1, integer=True)),
        "candidates": names(values.get("candidates"), "candidates"),
        "drop": names(values.get("drop"), "drop") or [],
        "max_latency_ms": number(values, "max_latency_ms", low=0.001),
        "max_model_mb": number(values, "max_model_mb", low=0.001),
        "tune_budget_s": None
        if values["tune_budget_s"] is None
        else number(values, "tune_budget_s", low=5, high=86400),
        "promotion_margin": number(values, "promotion_margin", low=0.0),
        "sensitive": names(values.get("sensitive"), "sensitive") or [],
        "cluster": None if values["cluster"] is None else text(values, "cluster"),
        "group_column": None if values["group_column"] is None else text(values, "group_column"),
        **data_kind(values),
    }


def data_kind(values: dict[str, Any]) -> dict[str, Any]:
    """`kind` (a registered kind's name) and its options (a series' fields), checked by the kind
    itself; series fields without `kind: timeseries` are refused."""
    from mcp_server.core.errors import MoaiMlError
    from mcp_server.ml.data.kinds.registry import kind_for, kinds

    options = {name: values[name] for name in SERIES_FIELDS if values.get(name) is not None}
    kind = values.get("kind")
    if kind is None:
        if options:
            raise SpecError(
                f"field(s) {', '.join(options)} describe a time series; add `kind: timeseries`"
            )
        return {"kind": None, "kind_options": {}}
    known = tuple(k.name for k in kinds())
    name = choice(values, "kind", known)
    try:
        configured = kind_for(Path("."), name, options)
        check = getattr(configured, "check_options", None)
        if check is not None:
            check()
    except MoaiMlError as exc:
        raise SpecError(str(exc)) from exc
    return {"kind": name, "kind_options": options}
