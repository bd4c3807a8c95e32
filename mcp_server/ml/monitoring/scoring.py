"""Score a run's model on labelled rows, and the paired bootstrap of two models' difference (the
metrics themselves and their intervals: `modeling.holdout_stats`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcp_server.core.errors import DataError
from mcp_server.ml.modeling.holdout_stats import Scored, metric_value

if TYPE_CHECKING:
    import pandas as pd

    from mcp_server.ml.tracking.runs import LoadedRun


def score_rows(loaded: LoadedRun, rows: pd.DataFrame) -> Scored:
    """The model's predictions on labelled rows, in codes the metric table expects."""
    from mcp_server.ml.fitting.holdout_scoring import predict_both
    from mcp_server.ml.modeling.preprocess import coerce_frame, encode_target

    schema = loaded.schema
    if schema.target not in rows.columns:
        raise DataError(
            f"the rows have no target column {schema.target!r}; performance needs labels: give "
            "current= rows that hold it"
        )
    rows = rows.loc[rows[schema.target].notna()]
    if rows.empty:
        raise DataError(f"no row has a value in {schema.target!r}; give current= labelled rows")
    y = encode_target(rows[schema.target], schema)
    pred, proba = predict_both(loaded.model, coerce_frame(rows, schema), schema.task)
    return Scored(y=y, pred=pred, proba=proba, n_classes=len(schema.classes), task=schema.task)


def paired_bootstrap(name: str, a: Scored, b: Scored, seed: int = 0) -> tuple[float, float]:
    """95 % percentile interval of metric(a) - metric(b) over the same resampled rows (the one
    bootstrap, `modeling.bootstrap`: every resample at once)."""
    from mcp_server.ml.modeling import bootstrap

    fallbacks = (
        lambda metric, rows: metric_value(metric, a, rows),
        lambda metric, rows: metric_value(metric, b, rows),
    )
    found = bootstrap.paired(name, a, b, fallbacks, seed)
    if found is None:
        raise DataError(
            f"{name} is undefined on most resamples of these {len(a.y)} rows (too few, or one "
            "class); retrain the challenger with a larger test_size (ml_train) for more holdout "
            "rows"
        )
    return found
