"""Which of a SPEC's acceptance scenarios become generated tests (`ml/spec/acceptance` reads
them): the automatable ones, with the metric's direction; a metric the task lacks is a warning.
They are written into a test file of their own, beside the model tests (`tests_of`)."""

from __future__ import annotations

from typing import Any


def _entries(spec: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """The automatable scenarios, and a warning for each that names a metric the task lacks."""
    from mcp_server.core.errors import MoaiMlError
    from mcp_server.ml.modeling.metrics_spec import get_metric

    out, warnings = [], []
    for scenario in spec.acceptance:
        if scenario.kind is None:
            continue
        entry = {
            "label": scenario.label,
            "kind": scenario.kind,
            "check": scenario.check,
            "value": scenario.value,
            "direction": scenario.direction,
        }
        if scenario.kind == "metric":
            try:
                metric = get_metric(str(scenario.check), spec.task)
            except MoaiMlError as exc:
                warnings.append(f"acceptance scenario {scenario.label!r}: {exc}")
                continue
            entry["direction"] = scenario.direction or metric.direction
        out.append(entry)
    return out, warnings


def template_entries(spec: Any) -> list[dict[str, Any]]:
    """The automatable scenarios for the test template; a metric the task lacks becomes a
    warning of the SPEC."""
    entries, warnings = _entries(spec)
    spec.warnings.extend(warnings)
    return entries


def has_tests(spec: Any) -> bool:
    """Whether RED writes the SPEC's acceptance test file (it has an automatable scenario)."""
    return bool(_entries(spec)[0])
