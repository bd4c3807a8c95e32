"""`ml_detect_drift` on the lifecycle driver: the check runs in a job process (the server never
imports the column tests or the plot), reports growing progress, and a cancelled check kills its
job and writes no report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import anyio
import numpy as np
import pandas as pd
import pytest

from mcp_server.core import layout
from tests.support import ROOT, inprocess_client
from tests.train_support import job_processes, wait_until

pytestmark = pytest.mark.anyio


def two_tables(folder: Path, rows: int = 300) -> None:
    rng = np.random.default_rng(0)
    reference = {"a": rng.normal(size=rows), "b": rng.normal(size=rows)}
    current = {"a": rng.normal(3, 1, size=rows), "b": rng.normal(size=rows)}
    pd.DataFrame(reference).to_csv(folder / "reference.csv", index=False)
    pd.DataFrame(current).to_csv(folder / "current.csv", index=False)


def test_a_drift_check_runs_in_a_job_process_and_reports_growing_progress(tmp_path: Path):
    two_tables(tmp_path)
    probe = subprocess.run(
        [sys.executable, "-m", "tests.monitoring.drift_probe", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    assert seen["answer"]["drifted_columns"] == ["a"]
    assert (tmp_path / seen["answer"]["report"]).is_file()
    assert seen["imported"] == [], "the server process ran the column tests or drew the plot"
    fractions = [done for done, _ in seen["progress"]]
    messages = [message for _, message in seen["progress"]]
    assert fractions == sorted(fractions) and 0 < fractions[-1] <= 1, fractions
    assert "testing each column" in messages and "saving the report" in messages, messages
    assert not (tmp_path / layout.SCRATCH).is_dir() or not any(
        (tmp_path / layout.SCRATCH).iterdir()
    )


def write_long_log(folder: Path, rows: int = 200_000) -> None:
    """A prediction log the job takes seconds to read: the call is cancelled meanwhile."""
    folder.mkdir(parents=True)
    values = np.random.default_rng(1).normal(size=(rows, 2)).round(4).tolist()
    with (folder / "predictions-0001.jsonl").open("w") as handle:
        for a, b in values:
            line = {"time": "2026-11-28T01:00:00+00:00", "features": {"a": a, "b": b}}
            handle.write(json.dumps({**line, "prediction": 1}) + "\n")


async def test_a_cancelled_drift_check_kills_its_job_and_writes_no_report(tmp_path: Path):
    two_tables(tmp_path)
    write_long_log(tmp_path / "logs")
    reading = anyio.Event()

    async def progress(done: float, total: float | None, message: str | None) -> None:
        if (message or "").startswith("reading"):
            reading.set()

    async with inprocess_client(tmp_path) as client:

        async def check() -> None:
            await client.call_tool(
                "ml_detect_drift",
                {"reference": "reference.csv", "current": "logs"},
                progress_callback=progress,
            )

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(check)
            with anyio.fail_after(120):
                await reading.wait()
            assert job_processes(), "the check should be running in a job process"
            tasks.cancel_scope.cancel()
    assert wait_until(lambda: not job_processes()), "the drift job survived the cancellation"
    reports = tmp_path / layout.DRIFT_REPORTS
    assert not reports.is_dir() or not any(reports.iterdir())
    scratch = tmp_path / layout.SCRATCH
    assert wait_until(lambda: not scratch.is_dir() or not any(scratch.iterdir()))
