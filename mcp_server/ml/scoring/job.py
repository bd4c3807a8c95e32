"""The batch scoring job (`processes.child` runs it): the model loaded once (its signature
checked), then each partition still to score, in this process or on the Dask cluster the call
named (one task per partition, the same `partition.score_part`), the manifest written after each
one, and progress per partition."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.cluster.engine import Where, open_engine
from mcp_server.ml.scoring import manifest
from mcp_server.ml.scoring.request import Part, ScoreJob


@dataclass(frozen=True)
class ScoreOutcome:
    where: Where
    partitions: int  # of the dataset
    scored: int  # partitions scored by this call
    skipped: int  # partitions an earlier call had finished
    rows_scored: int  # rows scored by this call
    rows: int  # rows of every finished partition
    seconds: float  # scoring time of this call
    columns: list[str]


def batch_score_job(job: ScoreJob, progress: Callable[..., None]) -> ScoreOutcome:
    from mcp_server.ml.data.schema import Schema
    from mcp_server.safety.signing import load_pickle

    path = Path(job.model_path)
    model = load_pickle(
        path,
        what=f"run {job.run_id}'s model",
        trusted=job.trusted,
        folder=path.parent,
        run_id=job.run_id,
    )
    schema = Schema.from_dict(job.schema)
    output, done = Path(job.output), dict(job.done)
    manifest.clear_temporaries(output)
    manifest.write(output, job.identity, done)
    started, rows_now = time.monotonic(), 0
    engine = job.engine if job.parts else "local"  # nothing left to score: no cluster started
    with open_engine(engine) as (client, where):
        progress(0.5, f"scoring {len(job.parts)} of {job.total} partitions on {where.engine}")
        scored = _local if client is None else _on_cluster
        for count, (part, rows, source_stamp) in enumerate(scored(client, job, model, schema), 1):
            done[part.name] = {"file": Path(part.target).name, "rows": rows, "input": source_stamp}
            manifest.write(output, job.identity, done)
            rows_now += rows
            progress(count, f"partition {count}/{len(job.parts)} scored ({part.name}, {rows} rows)")
    columns = _columns(output, done)
    return ScoreOutcome(
        where=where,
        partitions=job.total,
        scored=len(job.parts),
        skipped=len(job.done),
        rows_scored=rows_now,
        rows=sum(int(e["rows"]) for e in done.values()),
        seconds=round(time.monotonic() - started, 3),
        columns=columns,
    )


Scored = Iterator[tuple[Part, int, list[int]]]


def _local(client: Any, job: ScoreJob, model: Any, schema: Any) -> Scored:
    from mcp_server.ml.scoring.partition import score_part

    for part in job.parts:
        stamp = manifest.stamp(Path(part.source))
        rows = score_part(
            part.source, part.target, model, schema, job.keep, job.run_id, job.version
        )
        yield part, rows, stamp


def _on_cluster(client: Any, job: ScoreJob, model: Any, schema: Any) -> Scored:
    """One task per partition, `score_part` as in the job process: the worker reads its input
    file, scores it and writes its output file, and only the row count comes back (no rows pass
    through the client or the scheduler). The model is sent to every worker once, before the
    first task. Partitions are reported as they finish, in any order; a task whose worker died is
    run again elsewhere, and its file is written whole or not at all."""
    import distributed

    from mcp_server.ml.scoring.partition import score_part

    if not job.parts:
        return
    stamps = {p.name: manifest.stamp(Path(p.source)) for p in job.parts}
    as_completed: Any = cast(Any, distributed).as_completed
    [shipped] = client.scatter([model], broadcast=True, hash=False)
    futures = [
        client.submit(
            score_part,
            part.source,
            part.target,
            shipped,
            schema,
            job.keep,
            job.run_id,
            job.version,
            key=f"score-{part.name}-{uuid.uuid4().hex[:8]}",
            pure=False,
        )
        for part in job.parts
    ]
    by_key = {f.key: part for f, part in zip(futures, job.parts, strict=True)}
    try:
        for future in as_completed(futures):
            part = by_key[future.key]
            yield part, int(future.result()), stamps[part.name]
    except MoaiMlError:
        raise
    except Exception as exc:
        raise MoaiMlError(
            f"a partition failed on the cluster ({type(exc).__name__}: {str(exc)[:200]}); the "
            "finished partitions are kept: call ml_batch_score again to resume"
        ) from exc
    finally:
        client.cancel([*futures, shipped])


def _columns(output: Path, done: dict[str, dict[str, Any]]) -> list[str]:
    import pyarrow.parquet as pq

    for entry in done.values():
        return list(pq.read_schema(output / entry["file"]).names)
    return []


__all__ = ["ScoreOutcome", "batch_score_job"]
