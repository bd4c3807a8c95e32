"""Headless Chromium (Debian's `chromium`, installed by tests/monitoring/setup.sh): render a local
page to a PNG and collect what the page wrote to its console."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--enable-logging=stderr",
    "--v=0",
    "--hide-scrollbars",
)


def render(page: Path, scratch: Path, size: str = "1200,2400") -> tuple[bytes, list[str]]:
    """(screenshot PNG, console lines) of `page` opened from disk."""
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail("chromium is missing: run `bash tests/monitoring/setup.sh` (make test does)")
    shot = scratch / "screenshot.png"
    done = subprocess.run(
        [
            binary,
            *FLAGS,
            f"--user-data-dir={scratch / 'profile'}",
            f"--window-size={size}",
            f"--screenshot={shot}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return shot.read_bytes(), console


def distinct_colours(png: bytes, scratch: Path) -> int:
    """How many different colours the screenshot has (a blank page has one)."""
    import matplotlib.image
    import numpy as np

    path = scratch / "check.png"
    path.write_bytes(png)
    pixels = (matplotlib.image.imread(path)[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
    return len(np.unique(pixels, axis=0))
