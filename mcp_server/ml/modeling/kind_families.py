"""The model families a kind of data accepts: the registry's lists and choices, narrowed by the
kind (`DataKind.accepts`, by default the family's `EstimatorSpec.data_kinds`).

For the table kind every answer is the registry's own (every family lists "table"); a new kind
gets its candidates, its default model and its refusals here without a change to the tools.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.core.names import REGRESSION

if TYPE_CHECKING:
    from mcp_server.ml.data.kinds.base import DataKind


def accepted(kind: DataKind, names: list[str]) -> list[str]:
    """`names`, in their order, without the families the kind does not accept."""
    from mcp_server.ml.modeling.registry import REGISTRY

    return [name for name in names if name in REGISTRY and kind.accepts(REGISTRY[name])]


def models_for_kind(kind: DataKind, task: str) -> list[str]:
    """Every available family that fits the task and the kind, cheap ones first (a comparison's
    default candidates)."""
    from mcp_server.ml.modeling.catalog import fast_first

    return accepted(kind, fast_first(task, data_kind=None))


def for_the_target(
    kind: DataKind, task: str, names: list[str], summary: dict[str, Any]
) -> list[str]:
    """`names`, and the families whose loss models counts when the target's `summary` (the
    profile's `target_summary`) says a count or skewed non-negative regression target
    (`data.target_summary.count_target`), if the kind takes them."""
    if task != REGRESSION:
        return names
    from mcp_server.ml.data.target_summary import count_target
    from mcp_server.ml.modeling.catalog import count_families

    if count_target(summary) is None:
        return names
    return list(dict.fromkeys([*names, *accepted(kind, count_families())]))


def default_model_for(kind: DataKind, task: str, rows: int) -> str:
    """The registry's first choice for the task and size when the kind accepts it, else the
    cheapest family the kind accepts."""
    from mcp_server.ml.modeling.catalog import default_model

    first = default_model(task, rows)
    if accepted(kind, [first]):
        return first
    cheap = models_for_kind(kind, task)
    if not cheap:
        from mcp_server.ml.modeling.catalog import extras_of
        from mcp_server.ml.modeling.registry import REGISTRY

        extras = extras_of([n for n, s in REGISTRY.items() if kind.accepts(s)])
        raise MoaiMlError(
            f"no installed model family fits a {task} task on {kind.name} data; install the "
            f"extra of a family that fits it: pip install 'moai-domain-ml[{extras}]'"
        )
    return cheap[0]


def default_candidates_for(kind: DataKind, task: str, rows: int) -> list[str]:
    """A SPEC's refactor candidates when it names none, among the families the kind accepts."""
    from mcp_server.ml.modeling.catalog import default_candidates

    first = default_model_for(kind, task, rows)
    # a kind none of the registry's (table) defaults fits, such as series: all of its own families
    found = accepted(kind, default_candidates(task, rows)) or models_for_kind(kind, task)
    return list(dict.fromkeys([first, *found]))


def check_accepted(kind: DataKind, names: list[str]) -> None:
    """Refuse, in one line, families the kind of data does not accept."""
    refused = [name for name in names if not accepted(kind, [name])]
    if refused:
        from mcp_server.ml.modeling.catalog import models_for

        fits = accepted(kind, list(dict.fromkeys(models_for("binary") + models_for("regression"))))
        raise MoaiMlError(
            f"model(s) {refused[:5]} do not fit {kind.name} data; pass model= (or models=) "
            f"one of: {', '.join(fits) or 'none installed'}"
        )


def baseline_for(kind: DataKind) -> str | None:
    """The family every other is measured against on this kind of data (a forecast's seasonal
    naive), or None when the kind has none (a table)."""
    from mcp_server.ml.modeling.registry_series import FORECAST_BASELINE

    return FORECAST_BASELINE if accepted(kind, [FORECAST_BASELINE]) else None


def with_baseline(kind: DataKind, names: list[str]) -> list[str]:
    """`names` with the kind's baseline first when they lack it: a comparison on such data
    always measures each family against it."""
    baseline = baseline_for(kind)
    if baseline is None or baseline in names:
        return names
    return [baseline, *names]


def for_the_series(kind: DataKind, task: str, names: list[str], series: int) -> list[str]:
    """`names`, and on a table of few series (`registry_series.FEW_SERIES`) the available families
    the defaults leave out for their cost per series (ARIMA's order search), if the kind takes
    them."""
    from mcp_server.ml.modeling.catalog import models_for
    from mcp_server.ml.modeling.registry_series import FEW_SERIES, FEW_SERIES_FAMILIES

    if not 0 < series <= FEW_SERIES:
        return names
    few = [name for name in FEW_SERIES_FAMILIES if name in models_for(task)]
    return list(dict.fromkeys([*names, *accepted(kind, few)]))


def series_count(schema: Any, X: Any) -> int:
    """How many series the rows hold (a forecast's: its series id; 1 without; 0 for a table)."""
    roles = schema.roles or {}
    if "time_column" not in roles:
        return 0
    series_id = roles.get("series_id")
    return int(X[series_id].nunique()) if series_id else 1
