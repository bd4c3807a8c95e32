"""Job targets for tests/test_jobs.py: run in the real forkserver child like the product's own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any


def echo(payload: Any, progress: Callable[..., None]) -> Any:
    """Send the payload back after `payload["sleep"]` s: the child exits once its result is sent."""
    time.sleep(payload["sleep"])
    return payload


def spawn_and_sleep(payload: Any, progress: Callable[..., None]) -> Any:
    """Start a grandchild that records its pid, then outlive any budget."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    with open(payload, "w", encoding="ascii") as handle:
        handle.write(str(child.pid))
    progress(0.5, "sleeping")
    time.sleep(600)
    return os.getpid()
