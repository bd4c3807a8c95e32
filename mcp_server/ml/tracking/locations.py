"""Where a run store lives: the tracking URI, its SQLite file, local artifact folders."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from mcp_server.core import layout, settings


def tracking_uri(root: Path) -> str:
    """`MLFLOW_TRACKING_URI` if set, else the workspace's own SQLite store."""
    configured = settings.tracking_uri()
    if configured:
        return configured
    return f"sqlite:///{(root / layout.MLFLOW_DB).as_posix()}"


def sqlite_file(uri: str) -> Path | None:
    """The database file of a `sqlite:///…` tracking URI; None for other stores."""
    if not uri.startswith("sqlite:///"):
        return None
    return Path(url2pathname(uri[len("sqlite:///") :].split("?", 1)[0]) or "/").absolute()


def inside(path: Path, roots: list[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def local_path(uri: str) -> Path | None:
    """A `file:` URI (or plain path) as a local path; None for remote artifact stores."""
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        return Path(url2pathname(parsed.path))
    return None
