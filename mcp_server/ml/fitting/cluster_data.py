"""A partitioned table made ready for a fit on a Dask cluster, with the single-machine
pipeline's semantics: the same schema (profiled from the cluster's exact counts and a sample),
the same target codes, a holdout drawn by a hash of each row (or of its group column), so it is
the same on every run and on any number of workers, and the preprocessing statistics (numeric
medians, the categories and which are frequent) computed exactly on the cluster from the
training rows. Each partition is then transformed where it lies by the fitted preprocessor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import DataError
from mcp_server.ml.data.hash_split import HELD_OUT, TRAIN

if TYPE_CHECKING:
    import pandas as pd

    from mcp_server.ml.data.hash_split import Split
    from mcp_server.ml.data.schema import Schema

LABEL = "__moai_y__"
UNSUPPORTED_KINDS = ("datetime", "text", "image")


def side(frame: pd.DataFrame, split: Split | None, schema: Schema, holdout: bool) -> pd.DataFrame:
    """The partition's rows of one side with a known target (every one without a split)."""
    rows = frame.loc[frame[schema.target].notna()]
    if split is None:
        return rows
    chosen: pd.DataFrame = rows.loc[split.sides(rows) == (HELD_OUT if holdout else TRAIN)]
    return chosen


def per_partition(function: Any, frame: Any, *args: Any) -> tuple[Any, ...]:
    """`function(partition, *args)` of every partition of the Dask frame, computed together on
    the engine open around the call, merged by the caller (small results: no shuffle)."""
    import dask
    from dask.delayed import delayed

    compute: Any = dask.compute  # type: ignore[attr-defined]  # Dask ships no type hints
    return tuple(compute(*[delayed(function)(p, *args) for p in frame.to_delayed()]))


def check_cluster_schema(schema: Schema) -> None:
    """The cluster fit takes numeric and categorical columns; others are refused in one line."""
    other = [f.name for f in schema.features if f.kind in UNSUPPORTED_KINDS]
    if other:
        raise DataError(
            f"columns {other[:5]} are dates, text or images, which the cluster fit does not "
            f"preprocess yet; pass drop={other[:5]} or train without a cluster"
        )


def encoded_part(frame: pd.DataFrame, pre: Any, schema: Schema, split: Split) -> pd.DataFrame:
    """One partition's training rows as the estimator sees them: float32 columns `f0..` (the
    fitted preprocessor's output) and the encoded target."""
    import numpy as np
    import pandas as pd

    from mcp_server.ml.modeling.preprocess import coerce_frame, encode_target

    rows = side(frame, split, schema, holdout=False)
    matrix = pre.transform(coerce_frame(rows, schema)) if len(rows) else None
    width = len(pre.get_feature_names_out())
    values = (
        np.asarray(matrix, dtype=np.float32) if matrix is not None else np.empty((0, width), "f4")
    )
    out = pd.DataFrame(values, columns=[f"f{i}" for i in range(width)], copy=False)
    out[LABEL] = encode_target(rows[schema.target], schema) if len(rows) else np.empty(0)
    return out


def holdout_scores(
    frame: pd.DataFrame, model: Any, schema: Schema, split: Split | None
) -> pd.DataFrame:
    """One partition's holdout rows (every labelled row without a split) scored by the fitted
    pipeline: target codes, predictions and class probabilities (what the metrics need, a few
    numbers a row)."""
    import numpy as np
    import pandas as pd

    from mcp_server.ml.fitting.holdout_scoring import predict_both
    from mcp_server.ml.modeling.preprocess import coerce_frame, encode_target

    rows = side(frame, split, schema, holdout=True)
    out = pd.DataFrame({"y": encode_target(rows[schema.target], schema)})
    width = max(len(schema.classes), 1)
    if not len(rows):
        out["pred"] = np.empty(0)
        for i in range(width):
            out[f"p{i}"] = np.empty(0)
        return out
    pred, proba = predict_both(model, coerce_frame(rows, schema), schema.task)
    out["pred"] = np.asarray(pred, dtype="float64")
    for i in range(width):
        out[f"p{i}"] = np.asarray(proba)[:, i] if proba is not None else np.nan
    return out


def score_on_cluster(frame: Any, model: Any, schema: Schema, split: Split | None) -> Any:
    """(y codes, predictions, probabilities or None) of every holdout row (every labelled row
    without a split), each partition scored where it lies with the model shipped once; in the
    partitions' order, so the training's holdout and its evaluation see the same rows alike."""
    from dask.delayed import delayed

    shipped = delayed(model, pure=True)
    scored = frame.map_partitions(
        holdout_scores, shipped, schema, split, meta=holdout_meta(schema)
    ).compute()
    probabilities = [f"p{i}" for i in range(max(len(schema.classes), 1))]
    if schema.task == "regression":
        return scored["y"].to_numpy(), scored["pred"].to_numpy(), None
    pred = scored["pred"].to_numpy().astype("int64")  # class codes, as a local fit predicts
    return scored["y"].to_numpy(), pred, scored[probabilities].to_numpy()


def holdout_meta(schema: Schema) -> pd.DataFrame:
    import pandas as pd

    y = "float64" if schema.task == "regression" else "int64"
    columns = {"y": pd.Series([], dtype=y), "pred": pd.Series([], dtype="float64")}
    for i in range(max(len(schema.classes), 1)):
        columns[f"p{i}"] = pd.Series([], dtype="float64")
    return pd.DataFrame(columns)


def encoded_meta(width: int, schema: Schema) -> pd.DataFrame:
    import pandas as pd

    columns = {f"f{i}": pd.Series([], dtype="float32") for i in range(width)}
    y = "float64" if schema.task == "regression" else "int64"
    columns[LABEL] = pd.Series([], dtype=y)
    return pd.DataFrame(columns)


__all__ = [
    "LABEL",
    "check_cluster_schema",
    "encoded_meta",
    "encoded_part",
    "holdout_meta",
    "holdout_scores",
    "per_partition",
    "score_on_cluster",
    "side",
]
