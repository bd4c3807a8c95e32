"""The winner of a search refitted on every searched row: a model or a soft-voting ensemble behind
the same preprocessing as its folds; a forecasting family (`takes_rows`) on the rows themselves
with the kind's roles (time column, series id), as `ml_train` fits it."""

from __future__ import annotations

from typing import Any


def refit(final: Any, data: Any, seed: int) -> Any:
    """The chosen configuration (or soft-voting ensemble), fitted on every row."""
    import warnings

    from sklearn.pipeline import Pipeline

    from mcp_server.ml.modeling.preprocess import build_pipeline, build_preprocessor
    from mcp_server.ml.tuning.ensemble import voting
    from mcp_server.ml.tuning.folds import build

    task = data.schema.task
    if data.schema.roles:  # a forecast: one family (no ensemble), the rows as they are
        best = final.members[0]
        pipeline = build_pipeline(data.schema, best.family, best.params, seed)
    else:
        built = [
            (f"{m.family}_{m.trial}", build(m.family, task, m.params, seed, m.rounds))
            for m in final.members
        ]
        weights = [m.weight for m in final.members]
        model = voting(built, weights, task) if final.is_ensemble else built[0][1]
        pipeline = Pipeline(
            [("preprocess", build_preprocessor(data.schema, scale=False)), ("model", model)]
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipeline.fit(data.X, data.y)
    return pipeline
