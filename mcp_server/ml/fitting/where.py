"""Where a fit runs, decided in the server by the fitting capabilities' prepare steps: a
partitioned dataset (a folder of Parquet files, a glob of CSVs) trains on the Dask cluster the
SPEC's `cluster:` or `MOAI_ML_CLUSTER` names (`fitting/cluster_train`), with the families that
have a Dask estimator; one file trains in the job process, a named cluster notwithstanding (the
answer says so); a partitioned dataset without a cluster is refused in one line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcp_server.core import settings
from mcp_server.core.errors import MoaiMlError

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.data.partitioned import Partitioned


def fit_engine(workspace: Workspace, spec_id: str | None) -> str:
    """The SPEC's `cluster:`, else `MOAI_ML_CLUSTER`, else local (`cluster.engine.choose`)."""
    from mcp_server.ml.cluster.engine import choose
    from mcp_server.ml.spec.reader import spec_of

    spec = spec_of(workspace, spec_id) if spec_id else None
    return choose(spec.cluster if spec is not None else None)


def partitioned_table(workspace: Workspace, data_path: str, kind: str | None) -> bool:
    """A glob, or a folder no other kind of data claims (an image folder is images)."""
    from mcp_server.ml.data.kinds.registry import DEFAULT
    from mcp_server.ml.data.partitioned import is_partitioned

    return kind in (None, DEFAULT) and is_partitioned(workspace, data_path)


def cluster_dataset(workspace: Workspace, data_path: str, engine: str) -> Partitioned:
    """The partitions to train on; refused without a cluster, or without Dask."""
    from mcp_server.ml.cluster.engine import LOCAL, require_dask
    from mcp_server.ml.data.partitioned import partitions

    dataset = partitions(workspace, data_path)
    if engine == LOCAL:
        raise MoaiMlError(
            f"{data_path!r} is a partitioned dataset ({len(dataset)} files): it trains on a Dask "
            f"cluster; set {settings.CLUSTER.name}=local-cluster (or tcp://host:port, or the "
            "SPEC's cluster:), or give one table file"
        )
    require_dask()
    return dataset


def cluster_model(model: str, task: str) -> str:
    """The family to train on the cluster: the one named (refused, naming those that can, when
    it has no Dask estimator), or for `auto` the cheapest that has one."""
    from mcp_server.ml.modeling.catalog import cluster_families, dask_class_path

    if model != "auto":
        for each in ("binary", "regression") if task == "auto" else (task,):
            dask_class_path(model, each)
        return model
    families = cluster_families("regression" if task == "regression" else "binary")
    if not families:
        raise MoaiMlError(
            "no family that trains on a Dask cluster is installed: pip install "
            "'moai-domain-ml[boost]'"
        )
    return families[0]


def local_note(data_path: str, engine: str) -> list[str]:
    """What the answer says when a cluster is named but one file trains in the job process."""
    from mcp_server.ml.cluster.engine import LOCAL

    if engine == LOCAL:
        return []
    return [
        f"trained in the job process, not on {engine}: {data_path} is one file; a folder of "
        "Parquet files or a CSV glob trains on the cluster"
    ]


def spec_group(workspace: Workspace, spec_id: str | None) -> str | None:
    from mcp_server.ml.spec.reader import spec_of

    spec = spec_of(workspace, spec_id) if spec_id else None
    return spec.group_column if spec is not None else None


__all__ = [
    "cluster_dataset",
    "cluster_model",
    "fit_engine",
    "local_note",
    "partitioned_table",
    "spec_group",
]
