"""What no path the workspace reads or writes may be: checked from its text (empty, a NUL,
control characters, too long) and, before a write, from what is on disk (a folder that is a file,
a target that is no regular file, too deep or too long for the OS). One clear line each."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from mcp_server.core.errors import WorkspaceError

MAX_DEPTH = 256  # folders from / to a file the workspace writes


def check_path_text(raw: str) -> None:
    """Refuse a path string no file may have: empty, a NUL, control characters, too long."""
    if not raw or "\x00" in raw:
        raise WorkspaceError(
            "path is empty or contains a NUL byte; give the path argument (data_path, "
            "spec_path, output_dir, ...) a path inside the workspace"
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in raw):
        # Why: a CR/LF or tab in a name ends up in generated files, logs and shell commands.
        raise WorkspaceError(
            f"path {raw[:80]!r} contains control characters (CR, LF, tab...); rename the file "
            "and give the path argument (data_path, output_dir, ...) the new name"
        )
    if len(raw.encode("utf-8", "surrogatepass")) > 4000 or any(
        len(part.encode("utf-8", "surrogatepass")) > 255 for part in raw.split("/")
    ):
        # Why up front: the OS refuses such names only when a write is already under way.
        raise WorkspaceError(
            f"path {raw[:60]!r}... is too long (at most 255 bytes per part); give the path "
            "argument (data_path, output_dir, ...) a shorter name"
        )


def check_target(path: Path, rel: str) -> None:
    """Refuse, before anything is written, a target whose folder is a file, FIFO or device, a
    target that is not a regular file, or a path too long for the OS (one clear line each)."""
    _check_length(path, rel)
    if path.exists() and not path.is_file():
        raise WorkspaceError(
            f"{rel!r} exists and is not a regular file; move it away or give output_dir (output, "
            "package) another folder"
        )
    _check_folders(path.parents, rel)


def check_folder(path: Path, rel: str) -> None:
    """Refuse, in a tool's prepare step, an output folder that no file could be written into: it
    or a folder above it is a file, or it is too deep or too long (`check_target`'s words)."""
    _check_length(path, rel)
    _check_folders([path, *path.parents], rel)


def _check_length(path: Path, rel: str) -> None:
    # Why the depth: creating thousands of nested folders recurses once per folder (pathlib's
    # mkdir) past Python's recursion limit; no real output folder is that deep.
    if len(os.fsencode(path)) >= 4000 or len(path.parts) > MAX_DEPTH:
        raise WorkspaceError(
            f"path {rel[:60]!r}... is too long for the file system; give output_dir (output, "
            "package) a shorter folder"
        )


def _check_folders(folders: Iterable[Path], rel: str) -> None:
    """The nearest of `folders` (deepest first) that exists must be a folder."""
    for parent in folders:
        if parent.exists():
            if not parent.is_dir():
                raise WorkspaceError(
                    f"{rel!r}: {parent.name!r} is not a folder; give output_dir "
                    "(output, package) a folder for the output"
                )
            return
