"""The folds of a search on the Dask cluster, prepared once per tune: each hash-drawn fold's
preprocessing statistics, its fitted preprocessor, its training rows encoded as the estimator
sees them and its validation rows transformed as the pipeline would transform them, persisted
on the workers the first time a trial needs the fold; every later trial only fits and scores.
`cluster_compare.fold_scores` (the uncached path: everything derived again from the partitions)
gives the same scores: the same training matrix (`cluster_data.encoded_part`, its partitions in
the same order), the same preprocessor, and validation rows predicted from exactly the matrix
the pipeline's own `transform` makes of them.

The prepared keys carry their own names (`TRAIN_KEY`, `VALID_KEY`), so the scheduler's
dashboard (and a test) sees them computed once per fold; `FoldCache.release` lets them go at the
end of the search; a cancelled job's client disconnects and the scheduler releases them too.
What it costs: k folds' training matrices (float32, (k-1)/k of the searched rows each) and
their validation matrices held at once, about k times one fit's matrix; past the workers' memory
target Dask spills them to disk."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcp_server.ml.fitting.cluster_data import encoded_meta, encoded_part, side

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from mcp_server.ml.data.hash_split import Fold
    from mcp_server.ml.data.schema import Schema

TRAIN_KEY = "moai-fold-train"  # the encoded training partitions of a prepared fold
VALID_KEY = "moai-fold-valid"  # its validation partitions, transformed


@dataclass
class PreparedFold:
    """One fold made ready on the cluster (its collections persisted on the workers)."""

    fold: Fold
    pre: Any  # the preprocessor fitted on the fold's training statistics
    train: list[Any]  # per partition, persisted: `encoded_part` (what holds its futures)
    X: Any  # their feature columns and label as Dask arrays, a chunk per partition
    y: Any
    valid: list[Any]  # per partition, persisted: (target codes, transformed matrix)
    train_rows: int


@dataclass
class FoldCache:
    """The prepared folds of one search, by (fold, whether the family scales its numbers)."""

    frame: Any  # the partitions as one Dask frame
    table: Any  # `cluster_train.Table`
    prepared: dict[tuple[int, bool], PreparedFold] = field(default_factory=dict)

    def fold_scores(self, train: Any, fold: Fold) -> tuple[dict[str, Any], float]:
        """`cluster_compare.fold_scores` on the prepared fold: (its metrics, the fit's seconds)."""
        from mcp_server.ml.fitting.cluster_fit import fit_on_cluster
        from mcp_server.ml.fitting.holdout_scoring import score
        from mcp_server.ml.modeling.preprocess import build_pipeline

        schema = self.table.schema
        pipeline = build_pipeline(schema, train.model, train.params, train.seed)
        ready = self.prepare(fold, pipeline, train.model)
        started = time.perf_counter()
        model = fit_on_cluster(
            train.model, schema.task, pipeline.named_steps["model"], ready.X, ready.y
        )
        fit_s = time.perf_counter() - started
        y, pred, proba = _score_prepared(ready, model, schema)
        return score(schema.task, y, pred, proba, len(schema.classes))[0], fit_s

    def prepare(self, fold: Fold, pipeline: Any, family: str) -> PreparedFold:
        """The fold ready on the cluster for `family`'s `pipeline` (its preprocessing is fitted
        here the first time), prepared now if no trial did it before."""
        from mcp_server.ml.modeling.catalog import get_spec

        key = (fold.index, bool(get_spec(family).needs_scaling))
        if key not in self.prepared:
            self.prepared[key] = _prepare(self.frame, self.table, fold, pipeline)
        return self.prepared[key]

    def release(self) -> None:
        """Let the workers drop every prepared fold (the end of the search)."""
        import distributed

        dask_api: Any = distributed  # Dask ships no type hints for these
        held = [
            f for p in self.prepared.values() for f in dask_api.futures_of([*p.train, *p.valid])
        ]
        self.prepared.clear()
        if held:
            dask_api.default_client().cancel(held)


def _prepare(frame: Any, table: Any, fold: Fold, pipeline: Any) -> PreparedFold:
    """The fold's statistics, preprocessor and collections, as `cluster_train.fit_pipeline` and
    `cluster_data.score_on_cluster` derive them for one fit, persisted together (each partition
    read once for both), under keys named after what they hold."""
    import dask
    from dask.delayed import delayed

    from mcp_server.ml.fitting.cluster_stats import fitted_preprocessor, training_statistics

    schema = table.schema
    stats = training_statistics(frame, schema, fold)
    pre = fitted_preprocessor(pipeline, schema, stats)
    width = len(pre.get_feature_names_out())
    tag, parts = uuid.uuid4().hex, frame.to_delayed()
    persist: Any = dask.persist  # type: ignore[attr-defined]  # Dask ships no type hints
    prepared = persist(
        *[
            delayed(function, pure=False)(
                part, pre, schema, fold, dask_key_name=(f"{name}-{tag}", i)
            )
            for function, name in ((encoded_part, TRAIN_KEY), (_valid_part, VALID_KEY))
            for i, part in enumerate(parts)
        ]
    )
    train, valid = list(prepared[: len(parts)]), list(prepared[len(parts) :])
    X, y = _arrays(train, encoded_meta(width, schema))
    return PreparedFold(fold, pre, train, X, y, valid, int(stats["rows"]))


def _arrays(train: list[Any], meta: pd.DataFrame) -> tuple[Any, Any]:
    """(X, y) of the persisted training partitions, a chunk each: what
    `frame.to_dask_array(lengths=True)` makes of them in `cluster_train.fit_pipeline`."""
    import dask
    import dask.array
    from dask.delayed import delayed

    from mcp_server.ml.fitting.cluster_data import LABEL

    compute: Any = dask.compute  # type: ignore[attr-defined]  # Dask ships no type hints
    da: Any = dask.array
    lengths = compute(*[delayed(len)(part) for part in train])
    features = [c for c in meta.columns if c != LABEL]
    X = da.concatenate(
        [
            da.from_delayed(delayed(_values)(p, features), (n, len(features)), dtype="float32")
            for p, n in zip(train, lengths, strict=True)
        ]
    )
    y = da.concatenate(
        [
            da.from_delayed(delayed(_values)(p, LABEL), (n,), dtype=meta[LABEL].dtype)
            for p, n in zip(train, lengths, strict=True)
        ]
    )
    return X, y


def _values(part: pd.DataFrame, columns: Any) -> np.ndarray:
    values: np.ndarray = part[columns].to_numpy()
    return values


def _valid_part(
    frame: pd.DataFrame, pre: Any, schema: Schema, fold: Fold
) -> tuple[np.ndarray, Any]:
    """One partition's validation rows: (target codes, the fitted preprocessor's matrix of them,
    None when it has none), what `holdout_scores` predicts from through the pipeline."""
    from mcp_server.ml.modeling.preprocess import coerce_frame, encode_target

    rows = side(frame, fold, schema, holdout=True)
    matrix = pre.transform(coerce_frame(rows, schema)) if len(rows) else None
    return encode_target(rows[schema.target], schema), matrix


def _valid_scores(part: tuple[np.ndarray, Any], model: Any, schema: Schema) -> pd.DataFrame:
    """`cluster_data.holdout_scores` of a prepared validation partition."""
    import numpy as np
    import pandas as pd

    from mcp_server.ml.fitting.holdout_scoring import predict_both

    y, matrix = part
    out = pd.DataFrame({"y": y})
    width = max(len(schema.classes), 1)
    if matrix is None:
        out["pred"] = np.empty(0)
        for i in range(width):
            out[f"p{i}"] = np.empty(0)
        return out
    pred, proba = predict_both(model, matrix, schema.task)
    out["pred"] = np.asarray(pred, dtype="float64")
    for i in range(width):
        out[f"p{i}"] = np.asarray(proba)[:, i] if proba is not None else np.nan
    return out


def _score_prepared(ready: PreparedFold, model: Any, schema: Schema) -> Any:
    """(y codes, predictions, probabilities or None) of the fold's validation rows, in the
    partitions' order, each partition scored where it lies with the model shipped once."""
    import dask
    import pandas as pd
    from dask.delayed import delayed

    compute: Any = dask.compute  # type: ignore[attr-defined]  # Dask ships no type hints
    shipped = delayed(model, pure=True)
    parts = compute(*[delayed(_valid_scores)(p, shipped, schema) for p in ready.valid])
    scored = pd.concat(parts, ignore_index=True)
    if schema.task == "regression":
        return scored["y"].to_numpy(), scored["pred"].to_numpy(), None
    probabilities = [f"p{i}" for i in range(max(len(schema.classes), 1))]
    pred = scored["pred"].to_numpy().astype("int64")
    return scored["y"].to_numpy(), pred, scored[probabilities].to_numpy()


__all__ = ["TRAIN_KEY", "VALID_KEY", "FoldCache", "PreparedFold"]
