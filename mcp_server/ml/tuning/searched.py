"""What a tune searches: the metric, the families and their spaces a `TuneRequest` gets for its
task and kind of data, or a one-line error before anything is written."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from mcp_server.core.errors import MoaiMlError

if TYPE_CHECKING:
    from mcp_server.ml.data.kinds.base import DataKind


class Asked(Protocol):
    """What a request asks of the search (`job.TuneRequest` has these fields)."""

    strategy: str
    models: list[str] | None
    search_space: dict[str, dict[str, Any]]
    metric: str | None


def check_request(
    req: Asked,
    task: str,
    kind: DataKind | None = None,
    forecast: bool = False,
    series: int = 0,
) -> tuple[str, list[str], dict[str, dict[str, Any]]]:
    """Metric, families and spaces for the task (and the kind of data, once read: `series` is
    how many series its rows hold), or a one-line error (before anything is written)."""
    from mcp_server.ml.modeling.catalog import get_spec
    from mcp_server.ml.modeling.kind_families import accepted, check_accepted
    from mcp_server.ml.modeling.metrics import check_metric
    from mcp_server.ml.tuning.spaces import check_overrides, is_tunable, model_space

    metric = check_metric(task, req.metric, forecast=forecast)
    families = list(req.models or _defaults(task, kind, series))
    for name in families:
        if task not in get_spec(name).tasks:
            raise MoaiMlError(f"model {name!r} does not fit a {task} task; drop it from models=")
    if kind is not None:
        families = families if req.models else accepted(kind, families)
        check_accepted(kind, families)
        if not families:
            raise MoaiMlError(f"no default family fits {kind.name} data; name them in models=")
    check_overrides(req.search_space, families)
    spaces = {f: model_space(f, task, req.search_space.get(f)) for f in families}
    if req.strategy != "auto" and not any(is_tunable(s) for s in spaces.values()):
        raise MoaiMlError(
            f"the search space of {families} has no parameter to tune; give search_space ranges "
            "or use strategy 'auto'"
        )
    return metric, families, spaces


def _defaults(task: str, kind: DataKind | None, series: int) -> list[str]:
    """The registry's search families; a kind none of them fits (series): its own families, with
    those a comparison takes on few series (ARIMA on one), as `ml_compare_models` does."""
    from mcp_server.ml.modeling.kind_families import accepted, for_the_series, models_for_kind
    from mcp_server.ml.tuning.portfolio import default_families

    families = default_families(task)
    if kind is None or accepted(kind, families):
        return families
    return for_the_series(kind, task, models_for_kind(kind, task), series)
