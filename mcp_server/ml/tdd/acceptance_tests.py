"""Which of a SPEC's acceptance scenarios become generated tests (`ml/spec/acceptance` reads
them): the automatable ones, with the metric's direction; a metric the task lacks is a warning."""

from __future__ import annotations

from typing import Any


def template_entries(spec: Any) -> list[dict[str, Any]]:
    """The automatable scenarios for the test template; a metric the task lacks becomes a
    warning."""
    from mcp_server.core.errors import MoaiMlError
    from mcp_server.ml.modeling.metrics_spec import get_metric

    out = []
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
                spec.warnings.append(f"acceptance scenario {scenario.label!r}: {exc}")
                continue
            entry["direction"] = scenario.direction or metric.direction
        out.append(entry)
    return out
