"""optuna-dashboard started with the command `ml_tune` returns, read over its JSON API."""

from __future__ import annotations

import json
import shlex
import sys
import urllib.request
from pathlib import Path
from typing import Any

from tests.support import free_port, running


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


def dashboard_trials(command: str, cwd: Path, study: str) -> list[dict[str, Any]]:
    """Start `command` (optuna-dashboard <storage>) on 127.0.0.1 and return the trials it shows for
    `study`."""
    argv = shlex.split(command)
    assert argv[0] == "optuna-dashboard"
    port = free_port()
    cmd = [
        str(Path(sys.executable).parent / argv[0]),
        *argv[1:],
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    base = f"http://127.0.0.1:{port}"
    with running(cmd, cwd, f"{base}/api/studies", timeout=60):
        studies = {s["study_name"]: s for s in _get(f"{base}/api/studies")["study_summaries"]}
        detail = _get(f"{base}/api/studies/{studies[study]['study_id']}?after=0")
    assert detail["name"] == study
    return list(detail["trials"])
