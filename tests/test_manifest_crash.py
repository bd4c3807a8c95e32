"""kill -9 between the files and the manifest: the next write adopts the files, skips none, and
leaves no temp file behind (the manifest's write-ahead journal, mcp_server/files/journal.py)."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from mcp_server.files.workspace import Workspace

FILES = 400
WRITER = """
import sys
from mcp_server.files.workspace import Workspace
files = {f"svc/f{i:03d}.py": f"# generated {i}\\n" * 200 for i in range(N_FILES)}
print("ready", flush=True)
Workspace(sys.argv[1]).write_files(files)
print("done", flush=True)
""".replace("N_FILES", str(FILES))


def test_a_writer_killed_at_any_moment_leaves_files_the_next_write_adopts(tmp_path: Path):
    rng = random.Random(15)
    files = {f"svc/f{i:03d}.py": f"# generated {i}\n" * 200 for i in range(FILES)}
    # Kill times are drawn within how long a whole write takes on this machine, now (a fixed window
    # let every kill land before or after the batch on a machine faster or slower than expected).
    window = _uninterrupted_write_s(tmp_path / "timing")
    killed_mid_batch = 0
    for attempt in range(10):
        root = tmp_path / f"w{attempt}"
        root.mkdir()
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(root)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, window))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        written = len(list((root / "svc").glob("f*.py"))) if (root / "svc").exists() else 0
        killed_mid_batch += 0 < written < FILES
        report = Workspace(root).write_files(files)
        assert report.skipped == [], (
            f"attempt {attempt}: {len(report.skipped)} files taken for person-edited"
        )
        assert sorted(report.written + report.unchanged) == sorted(files)
        assert not list(root.rglob("*.tmp")), "a temp file was left behind"
        assert not list((root / ".moai/ml").glob("manifest.json.pending-*"))
    assert killed_mid_batch >= 1, "no kill landed mid-batch; the test did not test anything"


def _uninterrupted_write_s(root: Path) -> float:
    """Seconds from the writer's "ready" to its "done", uninterrupted."""
    root.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    started = time.monotonic()
    assert proc.stdout.readline().strip() == "done"
    elapsed = time.monotonic() - started
    proc.wait()
    return elapsed
