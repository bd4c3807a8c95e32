"""The first use of a SQLite run store, serialised across processes.

Why: MLflow creates its schema on the first connection to an empty database; two servers (or a
server and the CLI) starting on a fresh workspace both see it empty and both run the migrations,
and one fails with "table ... already exists" after its fit ran. An exclusive file lock beside
the database makes the first use one at a time; WAL lets readers and one writer work side by
side afterwards, and a busy timeout makes a writer wait instead of failing "database is locked".
"""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
BUSY_TIMEOUT_MS = 30_000


def first_use(db: Path, open_store: Callable[[], T]) -> T:
    """`open_store()` (which creates the schema if needed) while holding `<db>.lock`, in WAL
    mode."""
    db.parent.mkdir(parents=True, exist_ok=True)
    with open(db.with_name(db.name + ".lock"), "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with contextlib.closing(sqlite3.connect(db, timeout=BUSY_TIMEOUT_MS / 1000)) as conn:
                conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                conn.execute("PRAGMA journal_mode=WAL")  # persistent: stored in the database file
            return open_store()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def retry_when_locked(action: Callable[[], T], attempts: int = 3) -> T:
    """`action()`, again (after 0.5 s, then 1 s) when SQLite still said "database is locked"
    after MLflow's 20 s busy timeout: a burst of writers from several servers (or a long
    transaction of another tool on the same store) must not reach the user."""
    for attempt in range(attempts):
        try:
            return action()
        except Exception as exc:  # MLflow wraps sqlite3.OperationalError in its own exceptions
            if "database is locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")
