"""The `.mar` of a TorchServe deployment, built by the real `torch-model-archiver` from the
generated files: `model.pt` (TorchScript, BaseHandler loads it) and `handler.py`, plus the files
each kind of network reads (`extra`)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from mcp_server.core.errors import MoaiMlError

__all__ = ["ARCHIVE_FILES", "build_archive"]
ARCHIVE_FILES = ("model.pt", "handler.py")


def _archiver() -> str:
    beside = Path(sys.executable).parent / "torch-model-archiver"
    found = str(beside) if beside.is_file() else shutil.which("torch-model-archiver")
    if not found:
        raise MoaiMlError("torch-model-archiver is not installed; pip install 'moai-domain-ml[dl]'")
    return found


def build_archive(files: dict[str, bytes | str], name: str, extra: tuple[str, ...]) -> bytes:
    """Run the real torch-model-archiver on the generated files; the `.mar` bytes."""
    with tempfile.TemporaryDirectory(prefix="moai-mar-") as tmp:
        folder = Path(tmp)
        for rel in (*ARCHIVE_FILES, *extra):
            content = files[rel]
            (folder / rel).write_bytes(
                content.encode("utf-8") if isinstance(content, str) else content
            )
        (folder / "store").mkdir()
        cmd = [
            _archiver(),
            "--model-name",
            name,
            "--version",
            "1.0",
            "--serialized-file",
            "model.pt",
            "--handler",
            "handler.py",
            "--extra-files",
            ",".join(extra),
            "--export-path",
            "store",
            "--force",
        ]
        done = subprocess.run(
            cmd, cwd=folder, capture_output=True, text=True, timeout=300, check=False
        )
        archive = folder / "store" / f"{name}.mar"
        if done.returncode != 0 or not archive.is_file():
            raise MoaiMlError(
                f"torch-model-archiver failed ({(done.stderr or done.stdout).strip()[-500:]}); "
                "reinstall it (pip install 'moai-domain-ml[dl]') or pass runtime='joblib'"
            )
        return archive.read_bytes()
