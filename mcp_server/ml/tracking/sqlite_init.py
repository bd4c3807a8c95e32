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
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
BUSY_TIMEOUT_MS = 30_000


def first_use(db: Path, open_store: Callable[[], T]) -> T:
    """`open_store()` (which creates the schema if needed) while holding `<db>.lock`, in WAL mode."""
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
