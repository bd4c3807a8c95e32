"""The one place that turns a user path into a real path and writes files.

Rules (DESIGN.md): every path is resolved inside the workspace root; `..`, absolute paths
elsewhere and symlinks that leave the root are refused. Writes are atomic (temp file in the
same directory + `os.replace`). A file the tools did not write, or one a person edited since,
is never overwritten unless the caller says `overwrite=True`; the manifest of what the tools
wrote (path -> sha256) lives in `.moai/ml/manifest.json`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from mcp_server.core import layout
from mcp_server.core.errors import WorkspaceError
from mcp_server.files import journal
from mcp_server.files.path_checks import check_folder, check_path_text, check_target


@dataclass
class WriteReport:
    """What one batch of writes did, relative to the workspace root."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def merge(self, other: WriteReport) -> None:
        self.written += other.written
        self.unchanged += other.unchanged
        self.skipped += other.skipped


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Workspace:
    """A project root that every tool path is confined to."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        path = Path(root).expanduser()
        if not path.is_dir():
            raise WorkspaceError(
                f"workspace root {str(path)!r} is not a directory; "
                "serve an existing folder: moai-ml mcp --workspace <folder>"
            )
        self.root = path.resolve(strict=True)

    def resolve(self, user_path: str | os.PathLike[str], *, must_exist: bool = False) -> Path:
        """Resolve a path given by a caller, refusing anything that leaves the root.

        Why resolve before checking: `a/../../x` and a symlink `a -> /etc` both look innocent
        as strings; only the fully resolved path tells where a read or write really lands.
        """
        raw = os.fspath(user_path)
        check_path_text(raw)
        candidate = Path(raw).expanduser()
        if not candidate.is_absolute():
            candidate = self.root / candidate
        try:
            real = candidate.resolve(strict=False)
            exists = real.exists() if must_exist else True  # exists() raises on a too-long name
        except (RuntimeError, OSError) as exc:  # a symlink loop, or a name the OS refuses
            reason = (
                "a symlink loop"
                if isinstance(exc, RuntimeError)
                else (exc.strerror or type(exc).__name__)
            )
            raise WorkspaceError(
                f"path {raw[:200]!r} cannot be resolved ({reason}); give the path argument "
                "(data_path, output_dir, ...) a plain path inside the workspace"
            ) from exc
        if real != self.root and self.root not in real.parents:
            raise WorkspaceError(
                f"path {raw!r} is outside the workspace {str(self.root)!r} "
                "(after resolving '..' and symlinks); give a path relative to it "
                "(data_path='data/x.csv'), "
                "or serve a folder that holds it: moai-ml mcp --workspace <folder>"
            )
        if not exists:
            near = closest_paths(self.root, raw)
            hint = f"; closest in the workspace: {', '.join(near)}" if near else ""
            raise WorkspaceError(
                f"file not found: {raw!r} (looked in {str(real.parent)!r}); give the path "
                f"argument (data_path, spec_path, ...) an existing path in the workspace{hint}"
            )
        if must_exist and not (real.is_file() or real.is_dir()):
            # Why before any open: a FIFO blocks the reader until a writer comes; a device never
            # ends.
            raise WorkspaceError(
                f"{raw!r} is not a regular file (a FIFO, socket or device); give the path argument "
                "(data_path, spec_path, ...) a regular file"
            )
        return real

    def writable(self, user_path: str | os.PathLike[str]) -> Path:
        """The real path a write to `user_path` would land on, refused unless it is inside the root.

        Why every write goes through this: a repository can ship symlinks (git stores them, and
        MoAI projects commit `.moai/`), so `models/x.joblib` or `.moai/ml/artifacts` may point
        anywhere. `resolve` follows every link, dangling ones included, so the check sees where
        the bytes would really go.
        """
        return self.resolve(user_path)

    def check_writes(self, rels: list[str]) -> None:
        """Refuse now, in `write_files`' own words, files it would refuse to write later: a
        tool's prepare step calls this before a job spends minutes on their contents."""
        for rel in rels:
            check_target(self.resolve(rel), rel)

    def check_output_folder(self, rel: str) -> Path:
        """The real path of an output folder, refused now when no file could be written into
        it (a file in its place or above it, too deep, too long)."""
        real = self.resolve(rel)
        check_folder(real, rel)
        return real

    def ensure_dir(self, user_path: str | os.PathLike[str]) -> Path:
        """Create a directory inside the root (parents too) and return its real path.

        Checked before and after creating: a link planted between the two is caught as well.
        """
        real = self.writable(user_path)
        try:
            real.mkdir(parents=True, exist_ok=True)
        except FileExistsError as exc:
            raise WorkspaceError(
                f"{os.fspath(user_path)!r} exists and is not a directory; move it away, or give "
                "output_dir (output, package) another folder"
            ) from exc
        except OSError as exc:
            raise WorkspaceError(
                f"cannot create {os.fspath(user_path)!r}: {exc.strerror or exc}; free space or fix "
                "its permissions, or give output_dir (output, package) another folder"
            ) from exc
        return self.writable(real)

    def relative(self, path: Path) -> str:
        """The path as the caller sees it: relative to the root, with forward slashes."""
        return path.resolve().relative_to(self.root).as_posix()

    # -- manifest of files the tools wrote -------------------------------------------------
    def _manifest_path(self) -> Path:
        return self.writable(layout.MANIFEST)

    def _load_manifest(self) -> dict[str, str]:
        path = self._manifest_path()
        data: object = {}
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
        entries = {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
        if journal.recover(self.root, path, entries):  # a writer killed between files and manifest
            self._save_manifest(entries)
        return entries

    def _save_manifest(self, manifest: dict[str, str]) -> None:
        text = json.dumps(dict(sorted(manifest.items())), indent=1)
        _atomic_write(self._manifest_path(), text.encode("utf-8"))

    def write_files(self, files: dict[str, bytes | str], *, overwrite: bool = False) -> WriteReport:
        """Write several files atomically, one by one, honouring the no-clobber rule.

        A file is (re)written when it does not exist, when its content is what the tools
        wrote last time (so an update is safe), or when `overwrite` is true. A file a person
        created or edited is skipped and reported.
        """
        from mcp_server.processes import subprocesses

        subprocesses.check()  # a cancelled call's abandoned thread writes nothing more
        with journal.locked(self._manifest_path()):
            manifest = self._load_manifest()
            report = WriteReport()
            plan: dict[str, tuple[Path, bytes, str]] = {}
            for rel, content in files.items():
                path = self.resolve(rel)
                check_target(path, rel)
                data = content.encode("utf-8") if isinstance(content, str) else content
                key, new_hash = path.relative_to(self.root).as_posix(), _sha256(data)
                current = _sha256(path.read_bytes()) if path.exists() else None
                if current == new_hash:
                    manifest[key] = new_hash
                    report.unchanged.append(key)
                elif current is not None and manifest.get(key) != current and not overwrite:
                    report.skipped.append(key)
                else:
                    plan[key] = (path, data, new_hash)
            pending = journal.begin(
                self._manifest_path(), {k: v[2] for k, v in plan.items()}, _atomic_write
            )
            for key, (path, data, new_hash) in plan.items():
                _atomic_write(path, data)
                manifest[key] = new_hash
                report.written.append(key)
            self._save_manifest(manifest)
            pending.unlink(missing_ok=True)
        return report

    def write_file(self, rel: str, content: bytes | str, *, overwrite: bool = False) -> WriteReport:
        return self.write_files({rel: content}, overwrite=overwrite)


SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
}


def closest_paths(root: Path, wanted: str, limit: int = 3, scan: int = 5000) -> list[str]:
    """Workspace files whose path (or name) is closest to `wanted`: what a caller probably meant.

    A bounded walk (at most `scan` files, no VCS/venv/cache folders), so a big tree costs little.
    """
    import difflib

    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d for d in dirs if d not in SKIP_DIRS and not layout.is_store(Path(folder, d), root)
        )
        found += [Path(folder, f).relative_to(root).as_posix() for f in files]
        if len(found) >= scan:
            break
    want = wanted.strip().lstrip("./")
    by_path = difflib.get_close_matches(want, found, n=limit, cutoff=0.5)
    names = {Path(p).name: p for p in found}
    by_name = [
        names[n]
        for n in difflib.get_close_matches(Path(want).name, list(names), n=limit, cutoff=0.5)
    ]
    return list(dict.fromkeys(by_path + by_name))[:limit]


def _atomic_write(path: Path, data: bytes) -> None:
    """Write to a temp file beside the target, fsync, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, data: bytes) -> None:
    """Public alias for code that writes outside the manifest (caches, run artifacts)."""
    _atomic_write(path, data)
