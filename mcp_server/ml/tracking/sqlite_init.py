"""The first use of a SQLite run store, serialised across processes.

Why: MLflow creates its schema on the first connection to an empty database; two servers (or a
server and the CLI) starting on a fresh workspace both see it empty and both run the migrations,
and one fails with "table ... already exists" after its fit ran. An exclusive file lock beside
the database makes the first use one at a time; WAL lets readers and one writer work side by
side afterwards, and a busy timeout makes a writer wait instead of failing "database is locked".

MLflow's schema is about seventy Alembic migrations run one by one (about 1 s of CPU per fresh
store). A process keeps, in memory, the schema its first fresh store got (without the default
experiment, which MLflow adds on opening, with that store's own time and artifact root) and starts
every later fresh store of its own from a copy of it: the same database, in milliseconds. Only a
schema this very process made is copied, never a file from elsewhere.
"""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
BUSY_TIMEOUT_MS = 30_000


# The schema this process's first fresh store got from MLflow's migrations (see above).
_SCHEMA: list[sqlite3.Connection] = []
_SCHEMA_LOCK = threading.Lock()


def first_use(db: Path, open_store: Callable[[], T]) -> T:
    """`open_store()` (which creates the schema if needed) while holding `<db>.lock`, in WAL
    mode; a fresh database starts from this process's copy of the schema when it has one."""
    db.parent.mkdir(parents=True, exist_ok=True)
    with open(db.with_name(db.name + ".lock"), "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            fresh = not db.exists() or db.stat().st_size == 0
            with contextlib.closing(sqlite3.connect(db, timeout=BUSY_TIMEOUT_MS / 1000)) as conn:
                if fresh:
                    _copy_schema_into(conn)
                conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                conn.execute("PRAGMA journal_mode=WAL")  # persistent: stored in the database file
            store = open_store()
            if fresh:
                _keep_schema_of(db)
            return store
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _copy_schema_into(conn: sqlite3.Connection) -> None:
    """The kept schema written into the empty database `conn` opened (nothing when none is kept:
    MLflow then migrates)."""
    with _SCHEMA_LOCK:
        if _SCHEMA:
            _SCHEMA[0].backup(conn)


def _keep_schema_of(db: Path) -> None:
    """Keep the schema MLflow just made in `db`, minus the default experiment, unless one is
    kept already."""
    with _SCHEMA_LOCK:
        if _SCHEMA:
            return
        schema = sqlite3.connect(":memory:", check_same_thread=False)
        with contextlib.closing(sqlite3.connect(db, timeout=BUSY_TIMEOUT_MS / 1000)) as source:
            source.backup(schema)
        with schema:
            schema.execute("DELETE FROM experiments")
        _SCHEMA.append(schema)


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
