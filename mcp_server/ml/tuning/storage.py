"""Where studies live: SQLite in the workspace by default, or a shared database (PostgreSQL) so
several processes or machines tune one study.

Heartbeats mark a trial whose worker died as failed and `RetryFailedTrialCallback` enqueues it
again; `pool_pre_ping` keeps a pooled connection from failing after the server closed it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from mcp_server.core import layout
from mcp_server.core.errors import MoaiMlError, WorkspaceError

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace

HEARTBEAT_S = 3
GRACE_S = 12
CONNECT_TIMEOUT_S = 3
SCHEMA_RETRIES = 4
SCHEMES = (
    "sqlite",
    "postgresql",
    "postgresql+psycopg",
    "postgresql+psycopg2",
    "mysql",
    "mysql+pymysql",
)


def study_url(workspace: Workspace, storage: str | None) -> str:
    """The URL a study is opened with: a database server's as given; a SQLite file's as an
    absolute path that resolves inside the workspace (its folder created there), else refused.

    Why: `sqlite:///../x.db` is relative to the server's working folder, `sqlite:////abs.db` is
    anywhere, and a repository may ship `.moai/ml/optuna.db` as a symlink to a database outside.
    """
    if not storage:
        return _sqlite_inside(workspace, layout.OPTUNA_DB.as_posix(), layout.OPTUNA_DB.as_posix())
    url = normalise_url(storage)
    if not url.startswith("sqlite"):
        return storage
    parsed = urlparse(url)
    if parsed.netloc or not url.startswith("sqlite:///") or parsed.query:
        raise MoaiMlError(
            f"storage {redact(storage)!r} is not a SQLite file URL; pass storage='sqlite:///<path "
            "inside the workspace>' (three slashes, no host, no password) or a database server URL"
        )
    return _sqlite_inside(workspace, url.removeprefix("sqlite:///"), redact(storage))


def _sqlite_inside(workspace: Workspace, raw: str, shown: str) -> str:
    try:
        real = workspace.writable(raw)
        if real.is_dir():
            raise WorkspaceError(f"{raw!r} is a folder; give storage= a file")
        workspace.ensure_dir(real.parent)
    except WorkspaceError as exc:
        reason = str(exc).split(";", 1)[0]
        raise MoaiMlError(
            f"storage {shown!r} cannot be used ({reason}); pass storage='sqlite:///<a file inside "
            "the workspace>', remove a symlink that leads out of it, or give a database server URL"
        ) from None
    return f"sqlite:///{real.as_posix()}"


def normalise_url(url: str) -> str:
    """`postgresql://` means the psycopg (3) driver, the one the `tune` extra installs."""
    scheme = urlparse(url).scheme
    if scheme not in SCHEMES:
        raise MoaiMlError(
            f"storage {redact(url)!r} is not a database URL; pass storage='postgresql://user@host:"
            "port/db' or 'sqlite:///path', or leave it out (the workspace's .moai/ml/optuna.db)"
        )
    if scheme == "postgresql":
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def redact(url: str) -> str:
    """The URL without its password (for messages)."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


def _engine_kwargs(url: str) -> dict[str, Any]:
    if url.startswith("postgresql"):
        return {"pool_pre_ping": True, "connect_args": {"connect_timeout": CONNECT_TIMEOUT_S}}
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def check_reachable(url: str) -> None:
    """Connect once, fast: an unreachable or refusing database is a clear error in a few seconds."""
    import sqlalchemy

    url = normalise_url(url)
    if url.startswith("sqlite"):
        return
    started = time.monotonic()
    try:
        engine = sqlalchemy.create_engine(url, **_engine_kwargs(url))
    except ImportError as exc:  # the URL names a database driver this environment lacks
        raise MoaiMlError(
            f"storage {redact(url)!r} needs the database driver {exc.name or 'its driver'!r}, "
            "which is not installed; pip install it, or pass storage='postgresql+psycopg://…' "
            "(installed with the tune extra), or leave storage out for the workspace's SQLite file"
        ) from None
    except Exception as exc:  # sqlalchemy's ArgumentError and the like: a malformed URL
        raise MoaiMlError(
            f"storage {redact(url)!r} is not a database URL sqlalchemy can read "
            f"({type(exc).__name__}); pass storage='dialect+driver://user:password@host:port/database'"
        ) from None
    try:
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("SELECT 1"))
    except Exception as exc:
        first = (str(getattr(exc, "orig", exc)).strip().splitlines() or [type(exc).__name__])[0][
            :200
        ]
        waited = time.monotonic() - started
        raise MoaiMlError(
            f"cannot reach the study storage {redact(url)!r} ({first}; after {waited:.1f} s); "
            "check storage= (the URL, the server, the credentials), or leave it out for the "
            "workspace's SQLite file"
        ) from None
    finally:
        engine.dispose()


def open_storage(url: str) -> Any:
    """An Optuna RDB storage with heartbeats and retry of trials whose worker died."""
    import optuna
    import sqlalchemy.exc
    from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    quiet_optuna()
    url = normalise_url(url)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).parent.is_dir():
        # Why no mkdir: a path's folders are created, inside the workspace, by `study_url` only.
        raise MoaiMlError(
            f"the folder of storage {redact(url)!r} does not exist; create it, or leave storage= "
            "out for the workspace's default storage"
        )
    for attempt in range(SCHEMA_RETRIES):
        try:
            return RDBStorage(
                url,
                engine_kwargs=_engine_kwargs(url),
                heartbeat_interval=HEARTBEAT_S,
                grace_period=GRACE_S,
                heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=2),
            )
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError):
            # two processes creating the tables of an empty database at once: the loser sees them
            # exist
            if attempt == SCHEMA_RETRIES - 1:
                raise
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


def quiet_optuna() -> None:
    """Optuna flags heartbeats, multivariate TPE and the Wilcoxon pruner as experimental on every
    use."""
    import warnings

    import optuna

    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", category=FutureWarning, module="optuna")


def open_study(storage: Any, name: str, direction: str, sampler: Any, pruner: Any) -> Any:
    """Create the study, or join it; a study of that name that optimises the other way is
    refused."""
    import optuna

    try:
        existing = optuna.load_study(
            study_name=name, storage=storage, sampler=sampler, pruner=pruner
        )
    except KeyError:
        return optuna.create_study(
            study_name=name,
            storage=storage,
            direction=direction,
            sampler=sampler,
            pruner=pruner,
            load_if_exists=True,
        )
    have = existing.direction.name.lower()
    if have != direction:
        raise MoaiMlError(
            f"study {name!r} exists and {have}s its objective, but this search would {direction} "
            f"it; pick another study_name or the matching metric"
        )
    return existing
