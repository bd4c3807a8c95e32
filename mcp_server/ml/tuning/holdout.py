"""The rows a SPEC-driven search never sees: the SPEC's holdout (its `test_size` and `seed`,
drawn by the data kind as `ml_train` and the TDD phases draw it), kept out of every fold, of
every worker's folds and of the refit, and scored once at the end."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mcp_server.core.errors import DataError


def split_off(data: Any, test_size: float | None, seed: int) -> tuple[Any, Any]:
    """(the prepared data restricted to its training rows, the holdout positions); without a
    `test_size` every row is searched and refitted on (positions `None`)."""
    if not test_size:
        return data, None
    try:
        train_idx, test_idx = data.kind.holdout(
            data.X, data.y, data.schema.task, test_size, seed, data.groups
        )
    except ValueError as exc:
        raise DataError(f"cannot split the data with test_size={test_size}: {exc}") from exc
    train = replace(
        data,
        X=data.X.iloc[train_idx].reset_index(drop=True),
        y=data.y[train_idx],
        groups=None if data.groups is None else data.groups[train_idx],
    )
    return train, (data.X.iloc[test_idx], data.y[test_idx], test_idx)


def holdout_scores(pipeline: Any, holdout: Any, schema: Any) -> tuple[dict[str, Any], int]:
    """The refitted winner's metrics on the holdout rows (the SPEC's gates judge these; a
    forecast's MASE is scaled by the refit's seasonal naive on the training rows, as `ml_train`
    scores it)."""
    from mcp_server.ml.fitting.holdout_scoring import predict_both, score
    from mcp_server.ml.modeling.forecast.scoring import forecast_metrics

    X_test, y_test, _ = holdout
    pred, proba = predict_both(pipeline, X_test, schema.task)
    metrics, _ = score(schema.task, y_test, pred, proba, len(schema.classes))
    metrics.update(forecast_metrics(pipeline, X_test, y_test, pred))  # a forecast's MASE, sMAPE
    return metrics, len(y_test)
