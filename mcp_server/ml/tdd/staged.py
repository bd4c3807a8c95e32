"""REFACTOR's copy of the project, in the call's staging folder: the job selects, trains and tests
candidates there, so the project's `pipeline.py` and model change only in the record step, and
only to a pipeline that was tested (a cancelled REFACTOR leaves the project as it was).

The copy holds `src/` and `tests/` (copied: the job rewrites the pipeline and pytest reads the
tests), the tools' manifest (so a person's edits are kept in the copy as in the project) and a link
to every other entry of the project's root (the data, a root conftest); the generated code finds
its data from its own path (`ROOT = Path(__file__).resolve().parents[3]`), so it reads the
project's data through the links and writes its model and reports into the copy."""

from __future__ import annotations

import shutil
from pathlib import Path

from mcp_server.core import layout

COPIED = ("src", "tests")  # what the job may rewrite or pytest reads as files of the project


def copy_project(root: Path, into: Path, models: str) -> Path:
    """The copy of the project at `root` under `into`, its own `models` folder (where the
    generated pipeline saves) left empty; its root."""
    into.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache")
    own = {*COPIED, models, layout.MOAI.name}
    for entry in root.iterdir():
        if entry.name in COPIED and entry.is_dir():
            shutil.copytree(entry, into / entry.name, symlinks=True, ignore=ignore)
        elif entry.name not in own:
            (into / entry.name).symlink_to(entry)
    (into / layout.STORE).mkdir(parents=True)
    if (root / layout.SPECS).is_dir():  # the TRUST check's @SPEC tag
        (into / layout.SPECS).symlink_to(root / layout.SPECS)
    if (root / layout.MANIFEST).is_file():
        shutil.copy2(root / layout.MANIFEST, into / layout.MANIFEST)
    return into


def produced(copy: Path, folders: list[str]) -> dict[str, bytes]:
    """The files the copy's runs wrote under `folders` (the model, the phase's reports), by their
    path relative to the root."""
    out: dict[str, bytes] = {}
    for rel in folders:
        base = copy / rel
        if base.is_dir():
            for path in sorted(p for p in base.rglob("*") if p.is_file()):
                out[path.relative_to(copy).as_posix()] = path.read_bytes()
    return out
