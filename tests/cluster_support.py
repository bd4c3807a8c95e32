"""A real Dask cluster for the tests: a scheduler and two single-threaded worker processes with a
small memory limit, on 127.0.0.1 (what `dask scheduler` + two `dask worker` give an operator)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest


@contextlib.contextmanager
def local_cluster(memory: str = "1GiB") -> Iterator[Any]:
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        memory_limit=memory,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        yield cluster
