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
    import pyarrow as pa

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
) -> pa.Table:
    """The kept columns, the prediction (labels for a classifier), a probability per class, and
    the model's run id and registered version, as the Arrow table `write_part` writes.

    Built in Arrow, not pandas: the labels taken from the few class names and the two constant
    columns repeated from one value, written as they are, cost two thirds of what pandas' string
    columns and its conversion did (per 100k rows, building and writing: 22 ms against 33 ms; a
    plain pandas loop's output costs 18 ms, predicting ~400 ms on one thread)."""
    import numpy as np
    import pyarrow as pa

    from mcp_server.ml.fitting.holdout_scoring import predict_both
    from mcp_server.ml.modeling.preprocess import coerce_frame

    rows = len(frame)
    pred, proba = np.empty(0), None
    if rows:
        pred, proba = predict_both(model, coerce_frame(frame, schema), schema.task)
    columns: dict[str, pa.Array] = {}
    if schema.classes:
        labels = [str(c) for c in schema.classes]
        names = pa.array(labels, type=pa.string())
        columns[PREDICTION] = names.take(np.asarray(pred, dtype=np.int64))
        for i, label in enumerate(labels):
            chance = np.asarray(proba)[:, i] if proba is not None else np.full(rows, np.nan)
            columns[f"{PROBABILITY}{label}"] = pa.array(np.ascontiguousarray(chance, "float64"))
    else:
        columns[PREDICTION] = pa.array(np.asarray(pred, dtype="float64"))
    columns[RUN_ID] = pa.repeat(pa.scalar(run_id, pa.string()), rows)
    columns[VERSION] = pa.repeat(pa.scalar(version, pa.string()), rows)
    if not keep:
        return pa.table(columns)
    # Kept columns through pandas' own conversion: their pandas types (nullable integers,
    # categories) are stored in the file's pandas metadata and read back as they were.
    table = pa.Table.from_pandas(frame[list(keep)], preserve_index=False)
    for name, values in columns.items():
        table = table.append_column(name, values)
    return table


def write_part(scored: pa.Table, target: str) -> int:
    """The scored rows as `target`, atomically (a hidden temporary file beside it, renamed):
    a partition's file is whole or absent. Returns its rows."""
    import pyarrow.parquet as pq

    path = Path(target)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(scored, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return int(scored.num_rows)


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
