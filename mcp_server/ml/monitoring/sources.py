"""Where the monitoring tools get their rows: a workspace table, a run's training data (a run id
or a `models:/` URI), or a generated service's prediction log (JSONL files, rotated).

A prediction log line is one request as the generated service logged it: `{"time": ISO-8601,
"features": {...}, "answer": {"prediction": ...}}`, or `{"time": ..., "batch": {"records": [...]},
"answer": {"predictions": [...]}}`; plain `{"features": ..., "prediction": ...}` rows work too. A
line
that does not parse (the service is writing it right now, or the process died mid-line) is
skipped and counted, never guessed at.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import DataError, MoaiMlError

if TYPE_CHECKING:
    import pandas as pd

    from mcp_server.ml.tracking.runs import RunStore

LOG_SUFFIXES = (".jsonl", ".ndjson")
MAX_LOG_FILES = 1000
MAX_LOG_RECORDS = 200_000  # the newest logged rows a check reads (older ones are said skipped)
MAX_LOG_LINE = 8 << 20  # a longer line is no request the service wrote: skipped, never parsed
_RUN_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class Rows:
    frame: pd.DataFrame  # feature columns
    label: str  # what the rows are, for results
    run_id: str | None = None  # set when the rows are a run's training data
    predictions: pd.Series | None = None  # the service's logged predictions
    times: pd.Series | None = None
    notes: list[str] = field(default_factory=list)


def is_run_ref(ref: str) -> bool:
    return ref.startswith("models:/") or bool(_RUN_ID.match(ref))


def load_rows(store: RunStore, ref: str, scratch: Path) -> Rows:
    """Rows named by `ref`: an existing workspace file or folder first, else a run / model URI."""
    from mcp_server.ml.data.image_paths import resolve_image_paths
    from mcp_server.ml.data.kinds.images import folder_rows
    from mcp_server.ml.data.tables import load_table

    if not ref.startswith("models:/"):
        path = store.workspace.resolve(ref)
        if path.exists():
            shown = store.workspace.relative(path)
            images = folder_rows(path) if path.is_dir() else None
            if images is not None:
                return Rows(frame=images, label=f"{len(images)} images in {shown}")
            if path.is_dir() or path.suffix.lower() in LOG_SUFFIXES:
                return read_log(path, shown)
            return Rows(frame=resolve_image_paths(load_table(path), path), label=shown)
        if not is_run_ref(ref):
            raise DataError(
                f"{ref!r} is neither a file in the workspace nor a run id / models:/ URI; give "
                "reference= or current= a workspace file or folder, a run_id or a models:/ URI"
            )
    return training_rows(store, ref, scratch)


def training_rows(store: RunStore, ref: str, scratch: Path) -> Rows:
    """The rows a run (or the run behind a model version) was fitted on, as its features."""
    from mcp_server.ml.tracking.model_registry import resolve_run_id
    from mcp_server.ml.tracking.run_data import run_data

    run_id = resolve_run_id(store, ref)
    run = store.get_run(run_id)
    loaded = store.load_run(run_id)
    data = run_data(store, run, loaded.schema, scratch)
    features = [n for n in loaded.schema.names if n in data.train.columns]
    label = f"training rows of run {run_id[:8]}" + (f" ({ref})" if ref != run_id else "")
    return Rows(frame=data.train[features].reset_index(drop=True), label=label, run_id=run_id)


def log_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in LOG_SUFFIXES)
    if not files:
        raise DataError(
            f"{path.name}/ holds no prediction log (*.jsonl); is the service logging "
            "(MOAI_PREDICTION_LOG)?"
        )
    return files[-MAX_LOG_FILES:]


def read_log(path: Path, label: str) -> Rows:
    """The newest `MAX_LOG_RECORDS` complete rows of a prediction log file or folder, streamed
    line by line (a log is never read whole)."""
    import collections

    import pandas as pd

    records: collections.deque[dict[str, Any]] = collections.deque(maxlen=MAX_LOG_RECORDS)
    skipped = seen = 0
    for file in log_files(path):
        with file.open("rb") as handle:
            while line := handle.readline(MAX_LOG_LINE + 1):
                if len(line) > MAX_LOG_LINE:
                    skipped += 1
                    while line and not line.endswith(b"\n"):  # the rest of the long line
                        line = handle.readline(MAX_LOG_LINE)
                    continue
                if not line.strip():
                    continue
                try:
                    rows = _records(json.loads(line))
                except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
                    skipped += 1
                    continue
                seen += len(rows)
                records.extend(rows)
    notes = [f"skipped {skipped} incomplete or unreadable log line(s)"] if skipped else []
    if seen > len(records):
        notes.append(f"read the newest {len(records):,} of {seen:,} logged rows")
    if not records:
        raise DataError(
            f"the prediction log {label} has no complete records yet; wait for the service to "
            "log requests (MOAI_PREDICTION_LOG), or give current= a table"
        )
    frame = pd.DataFrame.from_records([r["features"] for r in records])
    predictions = pd.Series([r["prediction"] for r in records], name="prediction")
    times = pd.to_datetime(pd.Series([r["time"] for r in records]), errors="coerce", utc=True)
    return Rows(
        frame=frame,
        label=f"{len(records)} logged requests in {label}",
        predictions=predictions,
        times=times,
        notes=notes,
    )


def _records(line: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of one log line: a request (`features` + `answer`), a batch (`batch.records` +
    `answer.predictions`), or a plain `features` + `prediction` row."""
    when = line.get("time")
    if "batch" in line:
        pairs = zip(line["batch"]["records"], line["answer"]["predictions"], strict=True)
        return [
            {"features": dict(f), "prediction": a.get("prediction"), "time": when} for f, a in pairs
        ]
    answer = line["answer"] if "answer" in line else line
    return [
        {"features": dict(line["features"]), "prediction": answer.get("prediction"), "time": when}
    ]


def predict_labels(store: RunStore, run_id: str, frame: pd.DataFrame) -> pd.Series:
    """The run's predictions (in the user's labels) for `frame`."""
    from mcp_server.ml.modeling.preprocess import coerce_frame, decode_labels

    loaded = store.load_run(run_id)
    missing = [n for n in loaded.schema.names if n not in frame.columns]
    if len(missing) == len(loaded.schema.names):
        raise MoaiMlError(
            f"the table has none of the model's input columns ({loaded.schema.names[:5]}); give "
            "current= rows with those columns"
        )
    pred = loaded.model.predict(coerce_frame(frame, loaded.schema))
    import pandas as pd

    if loaded.schema.task == "regression":
        return pd.Series(pred, name="prediction", dtype="float64")
    return pd.Series([str(v) for v in decode_labels(pred, loaded.schema)], name="prediction")
