"""`ml_profile_data`: schema and quality profile of a table before any training."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

from mcp_server.core.names import Task as TaskName
from mcp_server.files.workspace import Workspace
from mcp_server.tools._common import READ_ONLY, run_domain
from mcp_server.tools.args import Cluster, DataKindName, DataPath, KindOptions, Task

KindName = Literal[
    "numeric", "categorical", "boolean", "datetime", "text", "identifier", "constant", "image"
]


class ColumnSummary(BaseModel):
    name: str = Field(description="Column name as it appears in the file")
    kind: KindName = Field(description="Inferred kind of the column")
    dtype: str = Field(description="pandas dtype after loading")
    missing_pct: float = Field(description="Share of missing values, in percent")
    unique: int = Field(description="Number of distinct non-missing values")


class DataWarning(BaseModel):
    code: str = Field(
        description="Stable code: identifier, constant, leakage, heavy_missing, imbalance, …"
    )
    severity: Literal["warning", "error"] = Field(
        description="'error' means fix it before training"
    )
    column: str | None = Field(description="The column concerned, if any")
    message: str = Field(description="What was found, in one line")


class ProfileResult(BaseModel):
    data_path: str = Field(description="The file profiled, relative to the workspace")
    data_kind: str = Field(description="Kind of data: table, or images (a folder of class folders)")
    kind_details: dict[str, Any] = Field(
        default_factory=dict, description="What the kind reports beyond columns: image sizes, modes"
    )
    rows: int = Field(description="Number of rows")
    n_columns: int = Field(description="Number of columns")
    memory_mb: float = Field(description="In-memory size of the loaded table, MiB")
    target: str | None = Field(description="The target column, if one was given")
    task: TaskName | None = Field(description="Task inferred from the target")
    task_reason: str | None = Field(
        description="Why that task, in one line (the caller's task always wins)"
    )
    target_summary: dict[str, Any] = Field(
        description="Class counts and shares, or the distribution for regression"
    )
    kind_counts: dict[str, int] = Field(description="How many columns of each kind")
    duplicate_rows: int = Field(description="Rows that repeat an earlier row exactly")
    columns: list[ColumnSummary] = Field(description="The most noteworthy columns (flagged first)")
    columns_omitted: int = Field(description="Columns not listed in `columns` (see kind_counts)")
    warnings: list[DataWarning] = Field(
        description="Problems worth fixing before training, errors first"
    )
    warnings_omitted: int = Field(description="Further warnings not listed")
    suggested_drop: list[str] = Field(
        description="Identifier, constant and leaking columns: the SPEC's `drop` list"
    )
    ml_block: str | None = Field(
        description="A ready `## ML` section for a SPEC (with a target); confirm the gate"
    )
    computed: str | None = Field(
        description="For a partitioned dataset: where it ran, which numbers are exact, "
        "approximate or from a sample"
    )
    next_step: str = Field(description="The call to make next")


def profile_file(
    workspace: Workspace,
    data_path: str,
    target: str | None,
    task: str,
    max_columns: int,
    max_warnings: int,
    kind_name: str | None = None,
    kind_options: dict[str, Any] | None = None,
    cluster: str | None = None,
) -> ProfileResult:
    from mcp_server.core import layout
    from mcp_server.ml.cluster.engine import LOCAL, choose
    from mcp_server.ml.data.kinds.registry import kind_for
    from mcp_server.ml.data.memory import frame_bytes, release_after
    from mcp_server.ml.data.partitioned import claimed_by, is_partitioned
    from mcp_server.ml.modeling.dataset import remember_profile

    engine = choose(cluster)
    if kind_name is None and (
        is_partitioned(workspace, data_path)
        or (engine != LOCAL and claimed_by(workspace.resolve(data_path)) is None)
    ):
        rel, profile, how = _partitioned(workspace, data_path, target, task, engine)
        return _result(rel, "table", target, profile, max_columns, max_warnings, how)
    path = workspace.resolve(data_path, must_exist=True)
    kind = kind_for(path, kind_name, kind_options)
    sha = kind.fingerprint(path)  # before the read: the schema kept below is of exactly these bytes
    frame = kind.read(path)
    profile = kind.profile(frame, target, task)
    cache = workspace.ensure_dir(layout.SCHEMA_CACHE)
    remember_profile(cache, sha, frame, profile, task, getattr(kind, "cache_key", kind.name))
    nbytes = frame_bytes(frame)
    del frame
    release_after(nbytes)  # the server lives on: keep none of a large table once profiled
    rel = workspace.relative(path)
    return _result(rel, kind.name, target, profile, max_columns, max_warnings, None)


def _partitioned(
    workspace: Workspace, data_path: str, target: str | None, task: str, engine: str
) -> tuple[str, Any, str]:
    """A folder of Parquet files, a glob of CSVs, or any table on a cluster: profiled in a job
    on the engine the call names (`ml/data/partitioned_profile`)."""
    from mcp_server.ml.capability import run_in_job
    from mcp_server.ml.cluster.engine import require_dask
    from mcp_server.ml.data.partitioned import partitions
    from mcp_server.ml.data.partitioned_profile import ProfileRequest, profile_partitioned

    require_dask()
    dataset = partitions(workspace, data_path)
    request = ProfileRequest([str(f) for f in dataset.files], target, task, engine)
    done = run_in_job(profile_partitioned, request, budget_s=3600, what="the profile")
    return data_path, done.profile, done.how


def _result(
    rel: str,
    data_kind: str,
    target: str | None,
    profile: Any,
    max_columns: int,
    max_warnings: int,
    how: str | None,
) -> ProfileResult:
    flagged = {f.column for f in profile.findings if f.column}
    ranked = sorted(profile.columns, key=lambda c: (c.name not in flagged, -c.missing_pct, 0))
    listed = ranked[:max_columns]
    findings = sorted(profile.findings, key=lambda f: f.severity != "error")
    return ProfileResult(
        data_path=rel,
        data_kind=data_kind,
        kind_details=profile.details,
        rows=profile.rows,
        n_columns=len(profile.columns),
        memory_mb=profile.memory_mb,
        target=target,
        task=profile.task,  # type: ignore[arg-type]
        task_reason=profile.task_reason,
        target_summary=profile.target_summary,
        kind_counts=_kind_counts(profile),
        duplicate_rows=profile.duplicate_rows,
        columns=[_column(c) for c in listed],
        columns_omitted=len(profile.columns) - len(listed),
        warnings=[
            DataWarning(code=f.code, severity=f.severity, column=f.column, message=f.message)  # type: ignore[arg-type]
            for f in findings[:max_warnings]
        ],
        warnings_omitted=max(0, len(findings) - max_warnings),
        computed=how,
        **_next(rel, target, profile),
    )


def _kind_counts(profile: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for info in profile.columns:
        counts[info.kind.value] = counts.get(info.kind.value, 0) + 1
    return counts


def _column(c: Any) -> ColumnSummary:
    return ColumnSummary(
        name=c.name, kind=c.kind.value, dtype=c.dtype, missing_pct=c.missing_pct, unique=c.unique
    )


def _next(rel: str, target: str | None, profile: Any) -> dict[str, Any]:
    from mcp_server.ml.spec.starter_block import ml_block, suggested_drop

    drop = suggested_drop(profile.findings)
    if target is None or profile.task is None:
        step = (
            "Call ml_profile_data again with `target` for the task, leakage checks and a ready "
            "## ML block."
        )
        return {"suggested_drop": drop, "ml_block": None, "next_step": step}
    block = ml_block(rel, target, profile.task, drop, profile.rows)
    step = (
        "Put ml_block in the SPEC (.moai/specs/SPEC-<ID>/spec.md), confirm its threshold, then "
        "ml_tdd_cycle(spec_path='<ID>', background=true)."
    )
    if drop:
        step = f"Drop {', '.join(drop[:5])} (identifiers, constants or leaks). " + step
    return {"suggested_drop": drop, "ml_block": block, "next_step": step}


def register(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=READ_ONLY, title="Profile a table")
    async def ml_profile_data(
        data_path: DataPath,
        target: Annotated[
            str | None,
            Field(
                min_length=1,
                max_length=1024,
                description="Column to predict; enables task and leakage checks",
            ),
        ] = None,
        task: Task = "auto",
        max_columns: Annotated[
            int, Field(ge=1, le=500, description="How many columns to list (flagged ones first)")
        ] = 12,
        max_warnings: Annotated[
            int, Field(ge=1, le=500, description="How many warnings to list")
        ] = 12,
        kind: DataKindName = None,
        kind_options: KindOptions = None,
        cluster: Cluster = None,
    ) -> ProfileResult:
        """Profile a CSV/Parquet table before training: rows, column kinds (numeric, categorical,
        boolean, datetime, text, identifier, constant), missing values, duplicates, the task
        inferred from `target` (binary, multiclass, regression), the target's class balance or
        distribution, and warnings to act on: identifier and constant columns to drop, columns that
        leak the target, heavy missingness, severe imbalance, too few rows per class. Use it first,
        then put flagged columns in the SPEC's `drop` list. Read-only; results are compact for wide
        tables. With kind='timeseries' (and kind_options: time_column, series_id, horizon), the
        target summary's `series` holds the frequency, gaps, series lengths, seasonality and
        trend strength, zeros."""
        return await run_domain(
            profile_file,
            workspace,
            data_path,
            target,
            task,
            max_columns,
            max_warnings,
            kind,
            dict(kind_options or {}),
            cluster,
        )
