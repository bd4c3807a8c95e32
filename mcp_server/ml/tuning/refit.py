"""The winner of a search refitted on every searched row: a model or a soft-voting ensemble behind
the same preprocessing as its folds; a family that reads the rows as they are (a forecaster with
the kind's roles, a text or image network: `preprocess.takes_raw_rows`) built as `ml_train`
builds it."""

from __future__ import annotations

from typing import Any


def refit(final: Any, data: Any, seed: int) -> Any:
    """The chosen configuration (or soft-voting ensemble), fitted on every row."""
    import warnings

    from sklearn.pipeline import Pipeline

    from mcp_server.ml.modeling.preprocess import (
        build_pipeline,
        build_preprocessor,
        takes_raw_rows,
    )
    from mcp_server.ml.tuning.ensemble import voting
    from mcp_server.ml.tuning.folds import build

    task = data.schema.task
    best = final.members[0]
    if not final.is_ensemble and takes_raw_rows(data.schema, best.family):  # the rows as they are
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
