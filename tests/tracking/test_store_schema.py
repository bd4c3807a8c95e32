"""A fresh SQLite run store started from the schema the process kept (tracking/sqlite_init) is
the database MLflow's own migrations make: the same tables, indexes and rows, and MLflow adds its
default experiment to it on opening as it does to a migrated one."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from mcp_server.ml.tracking import sqlite_init
from mcp_server.ml.tracking.store import MlflowStore


def _contents(root: Path) -> tuple[list[Any], dict[str, list[Any]], str]:
    """(schema, rows per table without the experiments' times, journal mode) of a store."""
    db = sqlite3.connect(root / ".moai/ml/mlflow.db")
    try:
        schema = db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        tables = [row[1] for row in schema if row[0] == "table"]
        rows = {t: db.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables}
        rows["experiments"] = db.execute(
            "SELECT experiment_id, name, lifecycle_stage FROM experiments ORDER BY experiment_id"
        ).fetchall()
        return schema, rows, db.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        db.close()


def test_a_fresh_store_from_the_kept_schema_is_the_store_mlflows_migrations_make(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_init, "_SCHEMA", [])  # this process has kept none yet
    migrated, copied = tmp_path / "migrated", tmp_path / "copied"
    for root in (migrated, copied):
        root.mkdir()
        MlflowStore(root).experiment_id("churn")
    assert len(sqlite_init._SCHEMA) == 1, "the first fresh store's schema is kept"
    schema, rows, journal = _contents(copied)
    assert (schema, rows, journal) == _contents(migrated)
    assert journal == "wal" and rows["alembic_version"] and rows["workspaces"]
    assert [name for _, name, _ in rows["experiments"]] == ["Default", "churn"]
    default = MlflowStore(copied).client.get_experiment("0")
    assert (
        default.artifact_location
        == MlflowStore(migrated).client.get_experiment("0").artifact_location
    )
