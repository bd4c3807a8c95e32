"""The render contexts of the `tdd_series` template set (the timeseries kind's TDD cycle).

As `tdd.context` does for a table, with the series' roles from the profile (time column, series
id, frequency, season length, horizon): the forecaster's parameters are what
`preprocess.build_pipeline` gives the same family (`{**roles, **params}`), and its module (with
the time grid it uses) is copied beside the generated pipeline, so the project never imports
`mcp_server`. Values from the data reach templates only through `pyrepr` and the literal layouts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import SpecError
from mcp_server.files.escape import Code
from mcp_server.ml.modeling.local_modules import local_modules
from mcp_server.ml.modeling.metrics_spec import get_metric
from mcp_server.ml.tdd.context import common_context, estimator_context
from mcp_server.ml.tdd.imports import import_block, module_context
from mcp_server.ml.tdd.literals import assignment, dict_statement

if TYPE_CHECKING:
    from mcp_server.ml.tdd.spec_data import SpecData

COVERAGE_TOLERANCE = 0.05  # beyond two binomial standard errors of the holdout's coverage
INTERVAL_LEVEL = 0.9  # the forecasters' default `interval_level`


def _roles(prep: SpecData) -> dict[str, Any]:
    roles = dict(prep.schema.roles)
    if not roles.get("horizon"):
        raise SpecError("a forecast SPEC needs `horizon: <steps>` in its ## ML block")
    return roles


def series_common(prep: SpecData) -> dict[str, Any]:
    roles = _roles(prep)
    return {
        **common_context(prep),
        "time_statement": assignment("TIME_COLUMN = ", roles["time_column"]),
        "series_statement": assignment("SERIES_ID = ", roles.get("series_id")),
        "frequency": str(roles["frequency"]),
        "season_length": int(roles["season_length"]),
        "horizon": int(roles["horizon"]),
        "interval_level": INTERVAL_LEVEL,
    }


def forecaster_context(prep: SpecData, name: str, params: dict[str, Any] | None) -> dict[str, Any]:
    """The family's class and keyword arguments, the series' roles among them."""
    return estimator_context(
        name, prep.spec.task, prep.spec.seed, {**_roles(prep), **(params or {})}
    )


def test_context(prep: SpecData) -> dict[str, Any]:
    """What the RED forecast tests need: the roles, the gates, the coverage tolerance."""
    spec = prep.spec
    primary = get_metric(spec.metric, spec.task)
    gates = {name: get_metric(name, spec.task) for name in spec.secondary}
    table_metrics = {  # the metric table's own expressions; MASE and sMAPE are the test's own
        name: Code(m.expr(spec.task))
        for name, m in {spec.metric: primary, **gates}.items()
        if not m.forecast
    }
    if prep.spec.acceptance:
        spec.warnings.append(
            "acceptance scenarios are not generated as forecast tests yet; the SPEC's gates are"
        )
    gate_pairs = [(name, (spec.secondary[name], m.direction)) for name, m in gates.items()]
    return {
        **series_common(prep),
        "pipeline_module": prep.pipeline_module,
        "primary": {
            "name": primary.name,
            "threshold": spec.threshold,
            "direction": primary.direction,
        },
        "gates": dict(gates),
        "gates_statement": dict_statement("GATES = ", gate_pairs),
        "other_scorers": table_metrics,
        "coverage_tolerance": COVERAGE_TOLERANCE,
        "baseline_margin": spec.baseline_margin,
        "max_model_mb": spec.max_model_mb,
    }


def pipeline_context(
    prep: SpecData, model: str, params: dict[str, Any] | None, note: str
) -> dict[str, Any]:
    """What the forecasting pipeline module needs: the roles and the forecaster."""
    est = forecaster_context(prep, model, params)
    return module_context(series_common(prep), est, {}, "Forecaster", note)


def selection_context(prep: SpecData) -> dict[str, Any]:
    """What the rolling-origin model selection needs: candidates with their grids, the metric."""
    from mcp_server.ml.modeling.catalog import extras_of
    from mcp_server.ml.modeling.registry import REGISTRY

    spec = prep.spec
    metric = get_metric(spec.metric, spec.task)
    candidates = [
        forecaster_context(prep, name, None)
        for name in spec.candidates or []
        if REGISTRY[name].available()
    ]
    if not candidates:
        raise SpecError(
            f"none of the candidates {spec.candidates} is installed; install their extras "
            f"(pip install 'moai-domain-ml[{extras_of(spec.candidates or [])}]') or name installed "
            "families in the SPEC's candidates"
        )
    froms: dict[str, set[str]] = {"sklearn.base": {"clone"}, "typing": {"Any"}, "pathlib": {"Path"}}
    if not metric.forecast:
        froms["sklearn"] = {"metrics"}
    for cand in candidates:
        froms.setdefault(cand["module"], set()).add(cand["cls"])
    imports = import_block(["argparse", "itertools", "json", "sys"], ["numpy"], froms, ["pipeline"])
    return {
        **series_common(prep),
        "candidates": candidates,
        "metric": metric.name,
        "metric_expr": None if metric.forecast else Code(metric.expr(spec.task)),
        "greater_is_better": metric.greater_is_better,
        "imports": Code(imports),
        "local_modules": local_modules([cand["origin"] for cand in candidates]),
    }
