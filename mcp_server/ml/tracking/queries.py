"""Reading the run store: which runs match a query, and how they are sorted.

Filters are MLflow filter strings built only from validated pieces (ids and names that match
`mcp_server.core.names` patterns, a metric condition that matches `METRIC_FILTER`): no caller text
is spliced in raw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.tracking import tags

if TYPE_CHECKING:
    from mcp_server.ml.tracking.store import MlflowStore
    from mcp_server.ml.tracking.view import RunView

METRIC_FILTER = re.compile(
    r"^\s*([A-Za-z0-9_.]{1,100})\s*(<=|>=|!=|<|>|=)\s*(-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)\s*$"
)
START_TIME = "start_time"


@dataclass(frozen=True)
class RunQuery:
    experiment: str | None = None
    spec_id: str | None = None
    kind: str | None = None
    model: str | None = None
    metric_filter: str | None = None
    order_by: str = START_TIME  # or a metric name
    ascending: bool = False
    max_results: int = 20

    def filter_string(self) -> str:
        parts = [
            tags.tag_filter(name, value)
            for name, value in (
                (tags.SPEC_ID, self.spec_id),
                (tags.KIND, self.kind),
                (tags.MODEL, self.model),
            )
            if value
        ]
        if not self.kind:  # a tune's trials (often hundreds) only when asked for
            parts.append(f"tags.`{tags.KIND}` != 'trial'")
        if self.metric_filter:
            match = METRIC_FILTER.match(self.metric_filter)
            if not match:
                raise MoaiMlError(
                    f"metric_filter {self.metric_filter!r} must look like 'r2 >= 0.9' or "
                    "'holdout_roc_auc >= 0.9'"
                )
            name, op, value = match.groups()
            name = tags.stored_metric(name)
            parts.append(f"metrics.`{name}` {op} {value}")
        return " and ".join(parts)

    def order(self) -> list[str]:
        column = "attributes.start_time"
        if self.order_by != START_TIME:
            column = f"metrics.`{tags.stored_metric(self.order_by)}`"
        return [f"{column} {'ASC' if self.ascending else 'DESC'}"]


def find_runs(store: MlflowStore, query: RunQuery) -> tuple[list[RunView], dict[str, str]]:
    """The matching runs, and experiment id -> name of the experiments searched."""
    experiments = dict(store.experiments(query.experiment))
    runs = store.search(list(experiments), query.filter_string(), query.order(), query.max_results)
    return runs, experiments


def children(store: MlflowStore, run: RunView) -> list[RunView]:
    """Runs nested under `run` (the candidates of a comparison, the trials of a tune)."""
    return store.search([run.experiment_id], tags.tag_filter(tags.PARENT_RUN, run.run_id), [], 1000)
