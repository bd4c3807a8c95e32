"""Score a run's model on labelled rows with the SPEC's metric (the one metric table's
expression)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import DataError, MoaiMlError

if TYPE_CHECKING:
    import pandas as pd

    from mcp_server.ml.tracking.runs import LoadedRun

BOOTSTRAP = 1000


@dataclass
class Scored:
    y: Any  # true codes (classification) or values
    pred: Any
    proba: Any | None
    n_classes: int
    task: str


def score_rows(loaded: LoadedRun, rows: pd.DataFrame) -> Scored:
    """The model's predictions on labelled rows, in codes the metric table expects."""
    from mcp_server.ml.fitting.training import predict_both
    from mcp_server.ml.modeling.preprocess import coerce_frame, encode_target

    schema = loaded.schema
    if schema.target not in rows.columns:
        raise DataError(
            f"the rows have no target column {schema.target!r}; performance needs labels"
        )
    rows = rows.loc[rows[schema.target].notna()]
    if rows.empty:
        raise DataError(f"no row has a value in {schema.target!r}")
    y = encode_target(rows[schema.target], schema)
    pred, proba = predict_both(loaded.model, coerce_frame(rows, schema), schema.task)
    return Scored(y=y, pred=pred, proba=proba, n_classes=len(schema.classes), task=schema.task)


def metric_value(name: str, s: Scored, rows: Any = None) -> float | None:
    """The metric on all rows (or the positions `rows`); None where it is undefined (one class,
    …)."""
    from mcp_server.ml.modeling.metrics_spec import get_metric

    metric = get_metric(name, s.task)
    if metric.needs_proba and s.proba is None:
        raise MoaiMlError(f"metric {name!r} needs class probabilities and this model has none")
    if metric.forecast:  # needs each series' history, which scored rows do not carry
        return None
    pick = slice(None) if rows is None else rows
    fast = _fast(name, s, pick)
    if fast is not NotImplemented:
        return None if fast is None or not math.isfinite(fast) else float(fast)
    return sklearn_value(name, s, pick)


def sklearn_value(name: str, s: Scored, pick: Any = slice(None)) -> float | None:
    """The metric by the metric table's scikit-learn expression; None where it raises."""
    import warnings

    from sklearn import metrics

    from mcp_server.ml.modeling.metrics_spec import get_metric

    scope = {
        "metrics": metrics,
        "y": s.y[pick],
        "pred": s.pred[pick],
        "LABELS": list(range(s.n_classes)),
        "proba": None if s.proba is None else s.proba[pick],
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # The expression is a constant of our own metric table (metrics_spec), never user input.
            expr = get_metric(name, s.task).expr(s.task)
            value = float(eval(expr, {"__builtins__": {}}, scope))  # noqa: S307
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _fast(name: str, s: Scored, pick: Any) -> Any:
    """The numpy version of the metric (`fast_metrics`), or NotImplemented."""
    import numpy as np

    from mcp_server.ml.monitoring import fast_metrics

    y, pred = np.asarray(s.y)[pick], np.asarray(s.pred)[pick]
    if s.task == "regression":
        return fast_metrics.regression(name, y, pred)
    proba = None if s.proba is None else np.asarray(s.proba)[pick]
    return fast_metrics.classification(name, y, pred, proba, s.n_classes, s.task == "binary")


def paired_bootstrap(name: str, a: Scored, b: Scored, seed: int = 0) -> tuple[float, float]:
    """95 % percentile interval of metric(a) - metric(b) over the same resampled rows."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = len(a.y)
    diffs = []
    for _ in range(BOOTSTRAP):
        rows = rng.integers(0, n, n)
        first, second = metric_value(name, a, rows), metric_value(name, b, rows)
        if first is not None and second is not None:
            diffs.append(first - second)
    if len(diffs) < BOOTSTRAP // 2:
        raise DataError(
            f"{name} is undefined on most resamples of these {n} rows (too few, or one class)"
        )
    low, high = np.percentile(diffs, [2.5, 97.5])
    return float(low), float(high)
