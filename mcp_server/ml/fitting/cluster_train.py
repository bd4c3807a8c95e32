"""`ml_train` on a Dask cluster (the job `train_run.prepare_training` picks for a partitioned
dataset when a cluster is named): the schema from the cluster's exact counts and a sample, the
holdout by a hash of each row, the preprocessing statistics computed on the cluster, every
partition transformed where it lies, the booster fitted by its Dask estimator and brought back;
the holdout scored on the cluster. The staged model is the ordinary Pipeline (the fitted
`ColumnTransformer`, the family's own estimator), so export, serving, the registry and monitoring
take it as they take any other; staging happens only after the fit returned whole."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from mcp_server.core.errors import DataError
from mcp_server.ml.fitting.progress import Progress, no_progress
from mcp_server.ml.fitting.training import TrainOutcome


@dataclass
class ClusterTrainRequest:
    files: list[str]  # one partition each (`data/partitioned.partitions`)
    fingerprint: str  # of the listing: names, sizes, modification times
    target: str
    model: str  # a family with a Dask estimator (checked in the server)
    staging: str
    engine: str  # local-cluster or tcp://host:port
    params: dict[str, Any] = field(default_factory=dict)
    task: str = "auto"
    test_size: float = 0.2
    seed: int = 42
    drop: list[str] = field(default_factory=list)
    group: str | None = None  # the SPEC's group column: the holdout hashes it, not the row

    @classmethod
    def for_fit(
        cls, req: FitSource, model: str, params: dict[str, Any], *, test_size: float = 0.2
    ) -> ClusterTrainRequest:
        """A fit of `model` with `params` on the dataset, engine and holdout rule of `req` (a
        comparison's or a tune's request), as `ml_train` would ask it."""
        return cls(
            files=req.files,
            fingerprint=req.fingerprint,
            target=req.target,
            model=model,
            staging=req.staging,
            engine=req.engine,
            params=params,
            task=req.task,
            test_size=test_size,
            seed=req.seed,
            drop=req.drop,
            group=req.group,
        )


class FitSource(Protocol):
    """What a cluster comparison's or tune's request shares with a training request."""

    files: list[str]
    fingerprint: str
    target: str
    staging: str
    engine: str
    task: str
    seed: int
    drop: list[str]
    group: str | None


def cluster_train_job(req: ClusterTrainRequest, progress: Progress = no_progress) -> TrainOutcome:
    """The whole fit on the cluster; files land in `req.staging` only, after the fit."""
    import dask.dataframe

    from mcp_server.ml.cluster.engine import open_engine
    from mcp_server.ml.data.partitioned import empty_like
    from mcp_server.ml.data.partitioned_profile import read_file
    from mcp_server.ml.modeling.estimators import check_params

    check_params(req.model, req.task, req.params, req.seed)
    dd: Any = dask.dataframe  # Dask ships no type hints for these
    with open_engine(req.engine) as (_client, where):
        progress(1, f"profiling {len(req.files)} partitions on {where.describe()}")
        frame = dd.from_map(read_file, req.files, meta=empty_like(req.files[0]))
        table = cluster_table(req, frame)
        return fit_and_stage(req, frame, table, where, progress)


def fit_and_stage(
    req: ClusterTrainRequest, frame: Any, table: Table, where: Any, progress: Progress
) -> TrainOutcome:
    """The fit on the training side of `table.split` (open engine), the holdout scored on the
    cluster, then the model and its files staged: `ml_train`'s fit, and `ml_tune`'s refit of the
    winner on the cluster."""
    progress(2, "preprocessing statistics of the training rows")
    fitted = fit_pipeline(req, frame, table, progress)
    progress(4, "scoring the holdout on the cluster")
    scored = _holdout(frame, fitted.pipeline, table)
    example = _example(frame, table)
    progress(5, "saving the model and plots")
    return _outcome(req, table, fitted, scored, example, where)


@dataclass
class Table:
    schema: Any
    split: Any
    rows: int
    columns: int
    warnings: list[str]
    train_rows: int = 0


@dataclass
class Fitted:
    pipeline: Any
    fit_time_s: float
    stats: dict[str, Any]


def cluster_table(req: ClusterTrainRequest, frame: Any) -> Table:
    """The schema the single-machine `prepare` would build, its classes exact."""
    from mcp_server.ml.data.hash_split import Split
    from mcp_server.ml.data.partitioned_profile import profile_frame_dask
    from mcp_server.ml.fitting.cluster_data import check_cluster_schema
    from mcp_server.ml.modeling.dataset import schema_from

    profile, sample = profile_frame_dask(frame, req.target, req.task, lambda *a: None)
    schema, warnings = schema_from(sample, profile, req.drop)
    if schema.task != "regression":
        schema.classes = _classes(frame, req.target)
        if len(schema.classes) < 2:
            raise DataError(
                f"{req.target!r} has one class; a classifier needs two or more: pass another "
                "column as target="
            )
    check_cluster_schema(schema)
    columns = (req.group,) if req.group else tuple(str(c) for c in frame.columns)
    missing = frame[req.target].isna().sum().compute()
    if missing:
        warnings.append(f"{int(missing)} rows with a missing target were left out")
    split = Split(columns, req.seed, req.test_size)
    return Table(schema, split, profile.rows, len(frame.columns), warnings)


def _classes(frame: Any, target: str) -> list[Any]:
    """The target's values, exact (each partition's, merged here: no shuffle)."""
    from mcp_server.ml.fitting.cluster_data import per_partition

    found = per_partition(_values, frame, target)
    return sorted(set().union(*found), key=str)


def _values(part: Any, target: str) -> set[Any]:
    return set(part[target].dropna().unique().tolist())


def fit_pipeline(req: ClusterTrainRequest, frame: Any, table: Table, progress: Any) -> Any:
    from sklearn.pipeline import Pipeline

    from mcp_server.ml.fitting.cluster_data import LABEL, encoded_meta, encoded_part
    from mcp_server.ml.fitting.cluster_fit import fit_on_cluster
    from mcp_server.ml.fitting.cluster_stats import fitted_preprocessor, training_statistics
    from mcp_server.ml.modeling.preprocess import build_pipeline

    schema = table.schema
    stats = training_statistics(frame, schema, table.split)
    table.train_rows = int(stats["rows"])
    pipeline = build_pipeline(schema, req.model, req.params, req.seed)
    pre = fitted_preprocessor(pipeline, schema, stats)
    width = len(pre.get_feature_names_out())
    encoded = frame.map_partitions(
        encoded_part, pre, schema, table.split, meta=encoded_meta(width, schema)
    ).persist()
    X = encoded[[f"f{i}" for i in range(width)]].to_dask_array(lengths=True)
    y = encoded[LABEL].to_dask_array(lengths=True)
    progress(3, f"fitting {req.model} on {table.train_rows:,} rows on the cluster")
    started = time.perf_counter()
    model = fit_on_cluster(req.model, schema.task, pipeline.named_steps["model"], X, y)
    fit_time = time.perf_counter() - started
    del encoded, X, y  # the cluster's copy of the matrix goes
    return Fitted(Pipeline([("preprocess", pre), ("model", model)]), fit_time, stats)


def _holdout(frame: Any, pipeline: Any, table: Table) -> Any:
    from mcp_server.ml.fitting.cluster_data import score_on_cluster

    return score_on_cluster(frame, pipeline, table.schema, table.split)


def _example(frame: Any, table: Table) -> Any:
    """A few holdout rows as the table holds them (the MLflow signature, the latency probe)."""
    from mcp_server.ml.fitting.cluster_data import side

    for i in range(frame.npartitions):
        rows = side(frame.partitions[i].compute(), table.split, table.schema, holdout=True)
        if len(rows):
            return rows[table.schema.names].head(5).reset_index(drop=True)
    return frame.partitions[0].compute()[table.schema.names].head(5)


def _outcome(
    req: ClusterTrainRequest, table: Table, fitted: Fitted, scored: Any, example: Any, where: Any
) -> TrainOutcome:
    from mcp_server.ml.fitting.cluster_stage import stage

    y, pred, proba = scored
    schema = table.schema
    staged = stage(req, schema, fitted.pipeline, example, (y, pred, proba), table.split)
    return TrainOutcome(
        model=req.model,
        task=schema.task,
        metrics=staged.metrics,
        confusion=staged.matrix,
        labels=[str(c) for c in schema.classes],
        fit_time_s=round(fitted.fit_time_s, 3),
        latency_ms=staged.latency_ms,
        model_size_mb=round(staged.size / 2**20, 3),
        rows=table.rows,
        columns=table.columns,
        train_rows=table.train_rows,
        test_rows=len(y),
        sha256=req.fingerprint,
        schema=schema.to_dict(),
        estimator_params=staged.estimator_params,
        warnings=table.warnings,
        plots=staged.plots,
        ran_on=where.describe(),
    )


__all__ = [
    "ClusterTrainRequest",
    "FitSource",
    "Fitted",
    "Table",
    "cluster_table",
    "cluster_train_job",
    "fit_and_stage",
    "fit_pipeline",
]
