"""The manifest's write-ahead journal: files and manifest agree even after a kill -9.

`Workspace.write_files` writes the files first and the manifest last. A process killed between
the two leaves files the manifest does not know, which the next generation would then take for
person-edited files and skip. So before the first file, the batch's intended hashes go into a
journal beside the manifest (named with the writer's pid); the journal goes away once the
manifest is saved. Whoever loads the manifest next adopts, from the journal of a writer that is
no longer alive, every file whose content is exactly what that writer meant to write, and
deletes its leftover temp files. A file lock serialises manifest updates across processes.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def locked(manifest: Path) -> Iterator[None]:
    """An exclusive lock over manifest updates (threads and processes alike)."""
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with open(manifest.with_name(manifest.name + ".lock"), "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def begin(manifest: Path, plan: dict[str, str], write: Callable[[Path, bytes], None]) -> Path:
    """Record `plan` (path relative to the root -> sha256) before any of its files is written."""
    journal = manifest.with_name(f"{manifest.name}.pending-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    write(journal, json.dumps(plan).encode("utf-8"))
    return journal


def process_alive(pid: int, start: str | None = None) -> bool:
    """Whether `pid` runs and is not a zombie; with `start` (its /proc start time), whether it is
    still the same process and not a later one that reused the pid."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    rest = _stat_fields(pid)
    if rest is None:
        return True  # no /proc: trust kill(0)
    if rest and rest[0] in ("Z", "X"):  # a zombie has finished
        return False
    return start is None or (len(rest) > 19 and rest[19] == start)


def process_start(pid: int) -> str | None:
    """The process start time from /proc (Linux): with the pid it names one process, not a
    reused pid."""
    rest = _stat_fields(pid)
    return rest[19] if rest is not None and len(rest) > 19 else None


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the command name (state first), or None without it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()


def recover(root: Path, manifest: Path, entries: dict[str, str]) -> bool:
    """Adopt the files of dead writers' journals into `entries`; True when anything changed."""
    changed = False
    # Why safe: the manifest and the journals are written only under `locked`, which the caller
    # holds, so any temp file of theirs belongs to a writer that died mid-rename.
    for tmp in manifest.parent.glob(f".{manifest.name}.*.tmp"):
        tmp.unlink(missing_ok=True)
    for journal in sorted(manifest.parent.glob(f"{manifest.name}.pending-*")):
        pid = journal.name.split(".pending-", 1)[1].split("-", 1)[0]
        if not pid.isdigit() or process_alive(int(pid)):
            continue
        try:
            plan = json.loads(journal.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            plan = {}
        for rel, digest in plan.items() if isinstance(plan, dict) else ():
            path = root / str(rel)
            for tmp in path.parent.glob(f".{path.name}.*.tmp"):
                tmp.unlink(missing_ok=True)
            if (
                path.is_file()
                and not path.is_symlink()
                and hashlib.sha256(path.read_bytes()).hexdigest() == digest
            ):
                entries[str(rel)] = str(digest)
                changed = True
        journal.unlink(missing_ok=True)
    return changed
