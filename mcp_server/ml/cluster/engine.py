"""The engine a call runs on, named once: unset or `local` (in the job process, the default),
`local-cluster` (a Dask `LocalCluster` of worker processes sized to this machine) or
`tcp://host:port` (a running `dask scheduler`).

`choose` checks the name in the server, before any job starts, without importing Dask;
`open_engine` opens the Dask client in the job process and always closes it (and the
`LocalCluster` it started), so a finished, failed or killed job leaves no cluster behind: the
job's process group holds the LocalCluster's workers and is killed with it. A scheduler that does
not answer within `CONNECT_TIMEOUT_S` is refused in one line; nothing waits longer. A job stopped
while the client is open releases its work on the cluster first (`release`), and a scheduler
whose workers still run a stopped job's fit is refused in one line naming the fix.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mcp_server.core import settings
from mcp_server.core.errors import MoaiMlError

LOCAL = "local"
LOCAL_CLUSTER = "local-cluster"
CONNECT_TIMEOUT_S = 10.0
WORKERS_TIMEOUT_S = 30.0
_ADDRESS = re.compile(
    r"^tcp://(?:[A-Za-z0-9](?:[A-Za-z0-9.\-]{0,252})|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$"
)


@dataclass(frozen=True)
class Where:
    """Where the work ran, as results report it."""

    engine: str  # local | local-cluster | tcp://host:port
    workers: int  # Dask workers (1: the job process itself)
    dashboard: str | None  # the Dask dashboard's link while the cluster ran (None: local)

    def describe(self) -> str:
        """`local`, or `tcp://host:port: 2 workers, dashboard http://...`."""
        if self.engine == LOCAL:
            return LOCAL
        board = f", dashboard {self.dashboard}" if self.dashboard else ""
        return f"{self.engine}: {self.workers} workers{board}"


def choose(argument: str | None = None) -> str:
    """The engine a call names: its `cluster` argument, else `MOAI_ML_CLUSTER`, else local. A
    value that names no engine is refused in one line naming the fix."""
    raw = (argument if argument is not None else settings.CLUSTER.raw()).strip()
    if raw in ("", LOCAL):
        return LOCAL
    if raw == LOCAL_CLUSTER:
        return raw
    found = _ADDRESS.match(raw)
    if found and 0 < int(found[1]) < 65536:
        return raw
    raise MoaiMlError(
        f"cluster {raw[:80]!r} names no engine; use local, local-cluster or tcp://host:port "
        f"(a running `dask scheduler`), in the cluster argument or {settings.CLUSTER.name}"
    )


def require_dask() -> None:
    """Refuse a cluster when Dask is not installed, naming the extra."""
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        raise MoaiMlError(
            "a Dask cluster needs dask and distributed: pip install 'moai-domain-ml[dask]'"
        )


def machine_workers() -> int:
    """Worker processes a `LocalCluster` starts: one per core this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def local_cluster_options() -> dict[str, Any]:
    """A `LocalCluster` sized to this machine: a single-threaded worker process per core, the
    memory `MOAI_ML_MAX_MEMORY_MB` allows (else the machine's) shared between them, on loopback."""
    workers = machine_workers()
    cap = settings.max_memory_mb()
    return {
        "n_workers": workers,
        "threads_per_worker": 1,
        "processes": True,
        "memory_limit": f"{cap // workers}MiB" if cap else "auto",
        "host": "127.0.0.1",
        "dashboard_address": "127.0.0.1:0",
    }


@contextlib.contextmanager
def open_engine(engine: str) -> Iterator[tuple[Any, Where]]:
    """(Dask client or None, where the work runs) for the duration of the block."""
    if engine == LOCAL:
        yield None, Where(LOCAL, 1, None)
        return
    require_dask()
    from mcp_server.ml.cluster.release import refuse_stranded, release
    from mcp_server.processes.stopping import on_stop

    with contextlib.ExitStack() as stack:
        client = stack.enter_context(_client(engine))
        if engine != LOCAL_CLUSTER:  # a LocalCluster is new: nothing of an earlier job is on it
            refuse_stranded(client, engine)
        stack.enter_context(on_stop(lambda: release(client)))
        yield client, Where(engine, len(client.scheduler_info()["workers"]), _dashboard(client))


@contextlib.contextmanager
def _client(engine: str) -> Iterator[Any]:
    import distributed

    dask_api: Any = distributed  # Dask ships no type hints for these
    Client, LocalCluster = dask_api.Client, dask_api.LocalCluster
    if engine == LOCAL_CLUSTER:
        _allow_children()
        with LocalCluster(**local_cluster_options()) as cluster:
            with Client(cluster, timeout=CONNECT_TIMEOUT_S) as client:
                yield client
        return
    try:
        client = Client(engine, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise MoaiMlError(
            f"no Dask scheduler answered at {engine} within {CONNECT_TIMEOUT_S:g} s; start it "
            f"(`dask scheduler`, then `dask worker {engine}`) or fix the cluster argument or "
            f"{settings.CLUSTER.name}"
        ) from exc
    with client:
        _wait_for_workers(client, engine)
        yield client


def _wait_for_workers(client: Any, engine: str) -> None:
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise MoaiMlError(
            f"the Dask scheduler at {engine} has no workers after {WORKERS_TIMEOUT_S:g} s; start "
            f"some (`dask worker {engine}`) with the same moai-domain-ml and Dask versions, or "
            "pass cluster='local-cluster'"
        ) from exc


def _allow_children() -> None:
    """A job process is a daemonic multiprocessing child, which may not start processes of its
    own; the LocalCluster's workers must be its children (they die with the job's process
    group), so the flag is lifted for this process only."""
    import multiprocessing

    multiprocessing.current_process()._config["daemon"] = False  # type: ignore[attr-defined]


def _dashboard(client: Any) -> str | None:
    """The dashboard's link when the scheduler serves one (it needs bokeh)."""
    with contextlib.suppress(Exception):
        if "dashboard" in client.scheduler_info().get("services", {}):
            return str(client.dashboard_link)
    return None


__all__ = [
    "LOCAL",
    "LOCAL_CLUSTER",
    "Where",
    "choose",
    "local_cluster_options",
    "machine_workers",
    "open_engine",
    "require_dask",
]
