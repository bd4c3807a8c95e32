"""One partition scored: read, predict, written atomically. `score_part` runs in the job process
(no cluster) and on the Dask workers (`job`: one task per partition), so a score is the same
wherever it ran."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.ml.scoring.request import PREDICTION, PROBABILITY, RUN_ID, VERSION

if TYPE_CHECKING:
    import pandas as pd

    from mcp_server.ml.data.schema import Schema


def read_part(source: str) -> pd.DataFrame:
    """A partition's rows (CSV sniffed, Parquet through Arrow), as every table is read."""
    from mcp_server.ml.data.tables import load_table

    # Not collected after each read: a partition's frame is freed by its last reference, and a
    # full collection of a loaded process per partition cost a third of a second.
    return load_table(Path(source), release=False)


def score_frame(
    frame: pd.DataFrame,
    model: Any,
    schema: Schema,
    keep: tuple[str, ...],
    run_id: str,
    version: str,
) -> pd.DataFrame:
    """The kept columns, the prediction (labels for a classifier), a probability per class, and
    the model's run id and registered version."""
    import numpy as np
    import pandas as pd

    from mcp_server.ml.fitting.holdout_scoring import predict_both
    from mcp_server.ml.modeling.preprocess import coerce_frame

    out = pd.DataFrame({c: frame[c] for c in keep}, index=frame.index)
    if len(frame):
        pred, proba = predict_both(model, coerce_frame(frame, schema), schema.task)
    else:
        pred, proba = np.empty(0), None
    if schema.classes:
        labels = np.asarray([str(c) for c in schema.classes], dtype=object)
        out[PREDICTION] = labels[np.asarray(pred, dtype=np.int64)]
        for i, label in enumerate(labels):
            out[f"{PROBABILITY}{label}"] = (
                np.asarray(proba)[:, i] if proba is not None else np.full(len(frame), np.nan)
            )
    else:
        out[PREDICTION] = np.asarray(pred, dtype="float64")
    out[RUN_ID] = run_id
    out[VERSION] = version
    return out.reset_index(drop=True)


def write_part(scored: pd.DataFrame, target: str) -> int:
    """The scored rows as `target`, atomically (a hidden temporary file beside it, renamed):
    a partition's file is whole or absent. Returns its rows."""
    path = Path(target)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        scored.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return len(scored)


def score_part(
    source: str,
    target: str,
    model: Any,
    schema: Schema,
    keep: tuple[str, ...],
    run_id: str,
    version: str,
) -> int:
    """Read, score and write one partition in this process; its rows."""
    return write_part(score_frame(read_part(source), model, schema, keep, run_id, version), target)


__all__ = ["read_part", "score_frame", "score_part", "write_part"]
