"""A real PostgreSQL 15 for the distributed-tuning test, started by the test itself.

PostgreSQL refuses to run as root, so the server runs as an unprivileged user (`moai-pg`, created
with `useradd` when missing) that Popen switches to itself: no wrapper process sits between the test
and postgres, so its fast-shutdown signal reaches it. It listens on 127.0.0.1 and a free port, with
its data directory in a fresh temporary folder that user owns; everything is stopped and deleted
after.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import free_port

BIN = Path("/usr/lib/postgresql/15/bin")
USER = "moai-pg"


def _as_user() -> dict[str, Any]:
    """Popen arguments that run the program itself as USER (no wrapper process: signals reach
    postgres)."""
    import pwd

    return (
        {"user": USER, "group": pwd.getpwnam(USER).pw_gid, "extra_groups": []}
        if os.geteuid() == 0
        else {}
    )


def _ensure_user() -> None:
    if os.geteuid() != 0:
        return  # not root: the server runs as the current (unprivileged) user
    if subprocess.run(["id", USER], capture_output=True, check=False).returncode != 0:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
            check=True,
        )


def _wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"postgres exited: {(proc.stderr.read() if proc.stderr else b'').decode()[-1500:]}"
            )
        try:
            psycopg.connect(
                f"postgresql://postgres@127.0.0.1:{port}/postgres", connect_timeout=2
            ).close()
            return
        except psycopg.OperationalError:
            time.sleep(0.3)
    raise TimeoutError("postgres did not accept connections in time")


@contextlib.contextmanager
def postgres(*databases: str) -> Iterator[int]:
    """A running PostgreSQL 15 with `databases` created; yields its port (user postgres, trust
    auth)."""
    import psycopg

    if not (BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL 15 is not installed ({BIN}/initdb missing)")
    _ensure_user()
    base = Path(tempfile.mkdtemp(prefix="moai-pg-", dir="/tmp"))
    base.chmod(0o755)
    data, sockets = base / "data", base / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, USER)
        shutil.chown(sockets, USER)
    port = free_port()
    subprocess.run(
        [str(BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
        cwd=base,
        **_as_user(),
    )
    proc = subprocess.Popen(
        [
            str(BIN / "postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-k",
            str(sockets),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "max_connections=60",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=base,
        **_as_user(),
    )
    try:
        _wait_ready(port, proc)
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True
        ) as conn:
            for name in databases:
                conn.execute(f'CREATE DATABASE "{name}"')
        yield port
    finally:
        proc.send_signal(
            signal.SIGINT
        )  # fast shutdown (SIGTERM would wait for every client to leave)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(base, ignore_errors=True)
