"""The output folder's manifest (`_manifest.json`): the model and dataset it scores, and each
partition already done, with its input's size and modification time when it was scored.

A partition counts as done only when its output file exists and the manifest lists it with an
unchanged input: its file is written first (atomically: a hidden temporary file renamed), then
the manifest (atomically too), so a run stopped anywhere, cancelled, killed or failed, leaves
partitions that are either complete and listed or absent. The job process is the one writer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.workspace import atomic_write
from mcp_server.ml.scoring.request import MANIFEST, Part

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
FORMAT = 1


def stamp(source: Path) -> list[int]:
    """What tells an input changed since it was scored: its size and modification time."""
    info = source.stat()
    return [info.st_size, info.st_mtime_ns]


def read(folder: Path) -> dict[str, Any] | None:
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MoaiMlError(
            f"{path.name} in the output folder is unreadable ({exc}); give output= another folder"
        ) from exc
    return data if isinstance(data, dict) else None


def write(folder: Path, identity: dict[str, Any], done: dict[str, dict[str, Any]]) -> None:
    body = {"format": FORMAT, "identity": identity, "done": done}
    atomic_write(folder / MANIFEST, json.dumps(body, indent=1, sort_keys=True).encode())


def finished(folder: Path, identity: dict[str, Any], output: str) -> dict[str, dict[str, Any]]:
    """The partitions a previous run of the same model over the same dataset finished; a folder
    that holds something else is refused, never overwritten."""
    found = read(folder)
    if found is None:
        if folder.is_dir() and any(folder.iterdir()):
            raise MoaiMlError(
                f"output {output!r} exists and was not written by ml_batch_score; give a new "
                "or empty output folder"
            )
        return {}
    if found.get("identity") != identity:
        was = found.get("identity", {})
        raise MoaiMlError(
            f"output {output!r} holds scores of {was.get('model', '?')} over "
            f"{was.get('data', '?')}; give output= another folder for this model and dataset"
        )
    return {
        name: entry
        for name, entry in (found.get("done") or {}).items()
        if isinstance(entry, dict) and (folder / str(entry.get("file", ""))).is_file()
    }


def plan(
    folder: Path, names: tuple[str, ...], files: tuple[Path, ...], done: dict[str, Any]
) -> tuple[list[Part], dict[str, dict[str, Any]]]:
    """(partitions still to score, partitions done and unchanged)."""
    slugs = _slugs(names)
    todo, kept = [], {}
    for name, source in zip(names, files, strict=True):
        entry = done.get(name)
        if entry is not None and entry.get("input") == stamp(source):
            kept[name] = entry
        else:
            todo.append(Part(name, str(source), str(folder / slugs[name])))
    return todo, kept


def _slugs(names: tuple[str, ...]) -> dict[str, str]:
    """Output file names: the input's path below the dataset's common folder, made safe."""
    import hashlib
    import os

    base = os.path.commonpath(names) if len(names) > 1 else str(Path(names[0]).parent)
    out: dict[str, str] = {}
    for name in names:
        rel = Path(os.path.relpath(name, base)).with_suffix("")
        slug = _UNSAFE.sub("_", "__".join(rel.parts)).lstrip("._")[:180] or "part"
        if f"{slug}.parquet" in out.values():
            slug += "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
        out[name] = f"{slug}.parquet"
    return out


def clear_temporaries(folder: Path) -> None:
    """Hidden temporary files a killed run left half-written."""
    for stale in folder.glob(".*.tmp"):
        stale.unlink(missing_ok=True)


__all__ = ["clear_temporaries", "finished", "plan", "read", "stamp", "write"]
