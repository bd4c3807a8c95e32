"""Where a local store's experiments keep their files: inside the workspace (or beside a SQLite
file the person configured), never through a symlink leading out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp_server.core import layout
from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.tracking.locations import inside, local_path, sqlite_file


def allowed_roots(root: Path, uri: str) -> list[Path]:
    """Where a local store may write: the workspace, and the folder of a SQLite file set by
    `MLFLOW_TRACKING_URI` (a person's own configuration, so trusted as a root)."""
    roots = [root]
    db = sqlite_file(uri)
    if db is not None and not inside(db.absolute(), [root]):
        roots.append(db.parent.resolve())
    return roots


def check_local_store(root: Path, uri: str) -> None:
    """Refuse a workspace store whose files are symlinks leading out of the workspace.

    Why: git stores symlinks and MoAI projects commit `.moai/`; a shipped
    `.moai/ml/mlflow.db -> /elsewhere` (even dangling) or `.moai/ml/artifacts -> /elsewhere`
    would make MLflow write outside the workspace.
    """
    from mcp_server.files.workspace import Workspace

    db = sqlite_file(uri)
    if db is None:
        return
    workspace = Workspace(root)
    if not inside(db.absolute(), [root]):
        return  # a SQLite file the person configured elsewhere
    workspace.ensure_dir(db.parent)
    for suffix in ("", "-journal", "-wal", "-shm", ".lock"):
        workspace.writable(db.with_name(db.name + suffix))
    workspace.ensure_dir(root / layout.ARTIFACTS)


def check_artifact_location(root: Path, uri: str, name: str, location: str) -> None:
    """An experiment of a local store must keep its artifacts inside an allowed root."""
    folder = local_path(location)
    if sqlite_file(uri) is None or folder is None:
        return
    for path in (folder, folder / "models"):
        try:
            real = path.resolve()
        except (OSError, RuntimeError) as exc:
            raise MoaiMlError(
                f"experiment {name!r} has an unusable artifact folder ({exc}); pass another "
                "experiment= name"
            ) from exc
        if not inside(real, allowed_roots(root, uri)):
            raise MoaiMlError(
                f"experiment {name!r} keeps its artifacts at {str(real)!r}, outside "
                "the workspace "
                "(a symlink or a foreign artifact location); remove that link or pass "
                "another experiment= name"
            )


def experiment_id(client: Any, root: Path, uri: str, name: str) -> str:
    found = client.get_experiment_by_name(name)
    if found is not None:
        check_artifact_location(root, uri, name, found.artifact_location or "")
        if found.lifecycle_stage == "deleted":
            client.restore_experiment(found.experiment_id)
        return str(found.experiment_id)
    location = None
    if uri.startswith("sqlite:"):
        folder = root / layout.ARTIFACTS / _slug(name)
        check_artifact_location(root, uri, name, folder.as_uri())
        location = folder.as_uri()
    try:
        return str(client.create_experiment(name, artifact_location=location))
    except Exception:  # another process created it first
        found = client.get_experiment_by_name(name)
        if found is None:
            raise
        return str(found.experiment_id)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:100] or "experiment"
