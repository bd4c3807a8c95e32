"""The profile of a partitioned dataset (`partitioned`), computed where the call says (the job
process with Dask's local scheduler, a LocalCluster, or a running scheduler) without the whole
table in one memory: exact where cheap (rows, missing values per column, the classes of a
classification target), approximate distinct counts (HyperLogLog, `nunique_approx`), and a
sample of at most `SAMPLE_ROWS` rows for what needs rows side by side (column kinds, duplicates,
the target's summary, the leakage screen). `how` says which number is which.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.ml.cluster.engine import Where, open_engine
from mcp_server.ml.data.partitioned import empty_like
from mcp_server.ml.data.profile import MAX_CLASSES, Profile, profile_frame, refind

if TYPE_CHECKING:
    import pandas as pd

SAMPLE_ROWS = 200_000


@dataclass(frozen=True)
class ProfileRequest:
    files: list[str]  # one partition each (`partitioned.partitions`)
    target: str | None
    task: str
    engine: str


@dataclass(frozen=True)
class PartitionedProfile:
    profile: Profile
    where: Where
    sample_rows: int
    how: str  # which numbers are exact, approximate or from the sample, and where they ran


def read_file(source: str) -> pd.DataFrame:
    from mcp_server.ml.data.tables import load_table

    return load_table(Path(source))


def profile_partitioned(request: ProfileRequest, progress: Any) -> PartitionedProfile:
    """The job: one pass for the exact counts and the approximate distinct counts, one for the
    sample, then the ordinary profile of the sample with the exact numbers put in."""
    import dask.dataframe

    dd: Any = dask.dataframe  # Dask ships no type hints for these
    with open_engine(request.engine) as (_client, where):
        progress(0, f"counting {len(request.files)} partitions on {where.engine}")
        frame = dd.from_map(read_file, request.files, meta=empty_like(request.files[0]))
        profile, sample = profile_frame_dask(frame, request.target, request.task, progress)
    return PartitionedProfile(profile, where, len(sample), _how(where, len(sample), profile.rows))


def profile_frame_dask(
    frame: Any, target: str | None, task: str, progress: Any
) -> tuple[Profile, pd.DataFrame]:
    """(the profile, its sample) of a Dask frame, on the engine open around the call."""
    import dask

    compute: Any = dask.compute  # type: ignore[attr-defined]
    rows, missing, distinct = compute(
        frame.shape[0],
        frame.isna().sum(),
        {c: frame[c].nunique_approx() for c in frame.columns},
    )
    progress(1, f"sampling {min(rows, SAMPLE_ROWS)} of {rows} rows")
    share = min(1.0, SAMPLE_ROWS / max(int(rows), 1))
    sample = frame.sample(frac=share, random_state=0).compute() if share < 1 else frame.compute()
    classes = _classes(frame, sample, target)
    progress(2, "profiling the sample")
    profile = profile_frame(sample.reset_index(drop=True), target, task)
    profile = _exact(profile, int(rows), missing, distinct, classes, len(sample))
    profile.findings = refind(sample, profile)
    return profile, sample


def _classes(frame: Any, sample: pd.DataFrame, target: str | None) -> dict[str, int] | None:
    """Exact class counts when the sample says the target has few values (else None)."""
    if target is None or target not in sample.columns:
        return None
    if sample[target].nunique(dropna=True) > MAX_CLASSES:
        return None
    counts = frame[target].value_counts(dropna=True).compute()
    return {str(k): int(v) for k, v in counts.items()} if len(counts) <= MAX_CLASSES else None


def _exact(
    profile: Profile,
    rows: int,
    missing: Any,
    distinct: dict[str, Any],
    classes: dict[str, int] | None,
    sampled: int,
) -> Profile:
    columns = [
        replace(
            info,
            missing=int(missing[info.name]),
            missing_pct=round(100.0 * int(missing[info.name]) / max(rows, 1), 2),
            unique=min(round(float(distinct[info.name])), rows - int(missing[info.name])),
        )
        for info in profile.columns
    ]
    summary = dict(profile.target_summary)
    if classes is not None and "counts" in summary:
        total = max(sum(classes.values()), 1)
        shown = dict(sorted(classes.items(), key=lambda kv: -kv[1])[:20])
        summary["classes"] = len(classes)
        summary["counts"] = shown
        summary["shares"] = {k: round(v / total, 4) for k, v in shown.items()}
        summary["missing"] = rows - total
    return replace(
        profile,
        rows=rows,
        columns=columns,
        target_summary=summary,
        memory_mb=round(profile.memory_mb * rows / max(sampled, 1), 2),
    )


def _how(where: Where, sampled: int, rows: int) -> str:
    on = where.engine if where.engine != "local" else "the job process (Dask, local scheduler)"
    board = f", dashboard {where.dashboard}" if where.dashboard else ""
    return (
        f"on {on} ({where.workers} workers{board}); exact: rows, missing values, class counts; "
        f"approximate: unique (HyperLogLog); from a sample of {sampled:,} of {rows:,} rows: "
        "kinds, duplicates, leakage screen, memory_mb (scaled)"
    )


__all__ = [
    "SAMPLE_ROWS",
    "PartitionedProfile",
    "ProfileRequest",
    "profile_frame_dask",
    "profile_partitioned",
]
