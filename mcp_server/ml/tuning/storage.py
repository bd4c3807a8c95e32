"""Where studies live: SQLite in the workspace by default, or a shared database (PostgreSQL) so
several processes or machines tune one study.

Heartbeats mark a trial whose worker died as failed and `RetryFailedTrialCallback` enqueues it
again; `pool_pre_ping` keeps a pooled connection from failing after the server closed it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from mcp_server.core import layout
from mcp_server.core.errors import MoaiMlError

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


def default_url(root: Path) -> str:
    return f"sqlite:///{(root / layout.OPTUNA_DB).as_posix()}"


def normalise_url(url: str) -> str:
    """`postgresql://` means the psycopg (3) driver, the one the `tune` extra installs."""
    scheme = urlparse(url).scheme
    if scheme not in SCHEMES:
        raise MoaiMlError(
            f"storage {redact(url)!r} is not a database URL; use postgresql://user@host:port/db "
            "or sqlite:///path (default: the workspace's .moai/ml/optuna.db)"
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
    engine = sqlalchemy.create_engine(url, **_engine_kwargs(url))
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
            "check the URL, the server and the credentials"
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
    if url.startswith("sqlite"):
        Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
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
