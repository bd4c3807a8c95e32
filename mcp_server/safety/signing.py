"""Signed model files: a pickle is loaded only if this product wrote it.

Why: `joblib.load` runs code chosen by whoever wrote the file. A run in the store can be logged
by anyone who can reach it (the plain MLflow client, a teammate on a shared tracking server, a
file committed under `.moai/ml/`), so "it is in our store" proves nothing. Every model folder
this product writes gets `signature.json`: an HMAC-SHA256 per file, keyed by a secret that
lives outside the workspace and the store (`~/.config/moai-ml/signing.key`, created on first
use with mode 0600), or `MOAI_ML_SIGNING_KEY` for a team that shares one tracking server.
The bytes are verified and then unpickled from memory, so nothing can swap the file between
the check and the load.

A signature names its run: a model folder is signed when staged (for no run yet) and signed again
for its run id as the run store logs it (`bind_folder`); each MAC covers the run id, the file's
name in the folder (its role) and its bytes. A genuine signed folder copied into another run is
refused by every door that opens a run, and so is a folder signed before signatures named their
run (version 1): the refusal names `trusted=true` and training the run again (which re-signs it).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp_server.core import settings
from mcp_server.core.errors import MoaiMlError

SIGNATURE_FILE = "signature.json"
MIN_SHARED_KEY_CHARS = 32  # a shared secret anyone could guess signs pickles anyone can forge
_DOMAIN = b"moai-ml/model-file/v1\x00"  # sidecars of exported files, version-1 folders
_RUN_DOMAIN = b"moai-ml/model-file/v2\x00"  # folder signatures that name their run
FOLDER_VERSION = 2
STAGED = ""  # the run id a staged folder is signed for before its run exists


def key_path() -> Path:
    """Where this user's signing key lives (outside every workspace)."""
    configured = settings.KEY_DIR.raw()
    if configured:
        return Path(configured).expanduser() / "signing.key"
    base = settings.XDG_CONFIG_HOME.raw() or str(Path.home() / ".config")
    return Path(base) / "moai-ml" / "signing.key"


def signing_key() -> bytes:
    """The secret: `MOAI_ML_SIGNING_KEY` if set, else the user's key file (made on first use)."""
    shared = settings.SIGNING_KEY.exact()
    if shared:
        if len(shared) < MIN_SHARED_KEY_CHARS:
            raise MoaiMlError(
                f"{settings.SIGNING_KEY.name} is too short ({len(shared)} characters); use at "
                f"least {MIN_SHARED_KEY_CHARS} random ones, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        return hashlib.sha256(shared.encode("utf-8")).digest()
    path = key_path()
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:  # another process made it first
        return _read_key(path)
    except OSError as exc:
        raise MoaiMlError(
            f"cannot create the model-signing key at {str(path)!r} ({exc.strerror or exc}); "
            f"set {settings.KEY_DIR.name} to a writable folder or "
            f"{settings.SIGNING_KEY.name} to a shared secret"
        ) from exc
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(32))
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    key = path.read_bytes()
    if len(key) < 16:
        raise MoaiMlError(
            f"the model-signing key {str(path)!r} is too short; delete it to make a new one, or "
            f"set {settings.SIGNING_KEY.name} to a shared secret"
        )
    return key


def _mac(key: bytes, name: str, data: bytes, run_id: str | None = None) -> str:
    digest = hashlib.sha256(data).digest()
    if run_id is None:
        message = _DOMAIN + name.encode("utf-8") + b"\x00" + digest
    else:
        message = _RUN_DOMAIN + run_id.encode("utf-8") + b"\x00" + name.encode("utf-8")
        message += b"\x00" + digest
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign_folder(folder: Path, run_id: str = STAGED) -> None:
    """Write `signature.json` over every file in `folder` (recursively), the signature excluded,
    for `run_id` (a staged folder: for no run yet)."""
    key = signing_key()
    macs = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.name != SIGNATURE_FILE:
            name = path.relative_to(folder).as_posix()
            macs[name] = _mac(key, name, path.read_bytes(), run_id)
    payload = {"version": FOLDER_VERSION, "alg": "HMAC-SHA256", "run_id": run_id, "files": macs}
    (folder / SIGNATURE_FILE).write_text(
        json.dumps(payload, indent=1, sort_keys=True), encoding="utf-8"
    )


def bind_folder(folder: Path, run_id: str) -> None:
    """Sign a staged folder again for the run it is logged into; every file must still verify
    under its staged signature (nothing is laundered through a re-signing)."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.name != SIGNATURE_FILE:
            found = check_signed(path, folder=folder, run_id=STAGED)
            if found.data is None:
                raise MoaiMlError(
                    f"refusing to log {path.name}: it changed since it was staged ({found.why}); "
                    "call ml_train (or the tool that made it) again"
                )
    sign_folder(folder, run_id)


def sign_file(path: Path) -> Path:
    """A sidecar `<file>.sig` for one exported file; returns its path."""
    mac = _mac(signing_key(), path.name, path.read_bytes())
    sidecar = path.with_name(path.name + ".sig")
    sidecar.write_text(
        json.dumps({"version": 1, "alg": "HMAC-SHA256", "mac": mac}), encoding="utf-8"
    )
    return sidecar


@dataclass(frozen=True)
class Checked:
    """A file's bytes if its signature verifies, else None and why (`require_signed` words it)."""

    data: bytes | None
    why: str = "unsigned"  # unsigned | older | run <id>


def check_signed(path: Path, *, folder: Path | None = None, run_id: str | None = None) -> Checked:
    """The file's bytes if its signature verifies (a folder's signature for `run_id` when given,
    else for the run it names; or an exported file's sidecar), else None and why."""
    if path.is_symlink() or not path.is_file():
        return Checked(None)
    data = path.read_bytes()
    try:
        if folder is None:
            sidecar = path.with_name(path.name + ".sig")
            expected = str(json.loads(sidecar.read_text(encoding="utf-8"))["mac"])
            return _matching(data, _mac(signing_key(), path.name, data), expected)
        sig = json.loads((folder / SIGNATURE_FILE).read_text(encoding="utf-8"))
        name = path.relative_to(folder).as_posix()
        expected = str(sig["files"][name])
        signed_for = sig.get("run_id")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return Checked(None)
    if not isinstance(signed_for, str):  # version 1: signed before signatures named their run
        return Checked(None, "older")
    found = _matching(data, _mac(signing_key(), name, data, signed_for), expected)
    if found.data is not None and run_id is not None and signed_for != run_id:
        return Checked(None, f"run {signed_for or '(staged)'}")  # genuine, but another run's
    return found


def _matching(data: bytes, mac: str, expected: str) -> Checked:
    return Checked(data) if hmac.compare_digest(mac, expected) else Checked(None)


def verified_bytes(
    path: Path, *, folder: Path | None = None, run_id: str | None = None
) -> bytes | None:
    """The file's bytes if its signature verifies (see `check_signed`), else None."""
    return check_signed(path, folder=folder, run_id=run_id).data


def refusal(what: str, why: str) -> str:
    """One line: why `what` is not loaded, the fix first."""
    if why == "older":
        return (
            f"refusing to load {what}: pass trusted=true if you trust it, or train the run again "
            "(its signature predates signatures that name their run: an older moai-ml)"
        )
    if why != "unsigned":
        return (
            f"refusing to load {what}: pass trusted=true if you trust it (its signature names "
            f"{why}, not this one: a model file copied between runs)"
        )
    return (
        f"refusing to load {what}: it is a pickle (loading runs code) that this machine's "
        "moai-ml did not sign (logged by another tool or machine, an older moai-ml, or changed "
        "since). If you trust its author, pass trusted=true; a team sharing one tracking "
        f"server sets {settings.SIGNING_KEY.name} on every machine"
    )


def require_signed(
    path: Path,
    *,
    what: str,
    trusted: bool,
    folder: Path | None = None,
    run_id: str | None = None,
) -> bytes:
    """The bytes of `path` if this product signed it (for `run_id`, when given) or the caller
    trusts it, else a clear refusal."""
    found = check_signed(path, folder=folder, run_id=run_id)
    if found.data is not None:
        return found.data
    if not trusted:
        raise MoaiMlError(refusal(what, found.why))
    return path.read_bytes()


def load_pickle(
    path: Path,
    *,
    what: str,
    trusted: bool,
    folder: Path | None = None,
    run_id: str | None = None,
) -> Any:
    """Unpickle `path` only if this product signed it (for `run_id`, when given), or the caller
    trusts it explicitly."""
    import joblib

    data = require_signed(path, what=what, trusted=trusted, folder=folder, run_id=run_id)
    try:
        return joblib.load(io.BytesIO(data))
    except Exception as exc:  # a corrupt or truncated file fails in many ways
        raise MoaiMlError(
            f"could not load {what} as joblib/pickle ({type(exc).__name__}: {exc}); "
            "give model_path a whole file, or retrain it with ml_train"
        ) from exc
