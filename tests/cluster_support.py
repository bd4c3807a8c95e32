"""A real Dask cluster for the tests, as an operator runs one: `dask scheduler` and two
`dask worker --nthreads 1 --memory-limit ...` as separate processes on 127.0.0.1 (free ports),
each in its own process group, killed at the end with every process they started (no leaks);
and a `LocalCluster` of two worker processes for tests that need no separate processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support import free_port

WORKERS = 2


@dataclass
class Processes:
    """The running cluster: its scheduler's address and each process (workers by address)."""

    scheduler_address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def kill_worker(self, index: int = 0) -> int:
        """SIGKILL one worker's whole process group (the worker and its nanny's child); its pid."""
        proc = self.workers[index]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        return proc.pid


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "dask"), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed whole, never by name
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


@contextlib.contextmanager
def dask_processes(folder: Path, memory: str = "1GiB") -> Iterator[Processes]:
    """A scheduler and two workers as separate processes, ready (both workers joined)."""
    pytest.importorskip("distributed")
    from distributed import Client

    folder.mkdir(parents=True, exist_ok=True)
    port, board = free_port(), free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = _start(
        [
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--dashboard-address",
            f"127.0.0.1:{board}",
        ],
        folder / "scheduler.log",
    )
    cluster = Processes(address, scheduler)
    try:
        for i in range(WORKERS):
            cluster.workers.append(
                _start(
                    [
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--memory-limit",
                        memory,
                        "--host",
                        "127.0.0.1",
                        "--no-dashboard",
                        "--name",
                        f"w{i}",
                    ],
                    folder / f"worker{i}.log",
                )
            )
        with Client(address, timeout=60) as client:
            client.wait_for_workers(WORKERS, timeout=120)
        yield cluster
    finally:
        for proc in [*cluster.workers, scheduler]:
            _stop(proc)


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
