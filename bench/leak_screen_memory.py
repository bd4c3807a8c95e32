"""Peak memory of the leakage check's screen on a wide sample: every column in one pass (as before)
against column chunks (`leakage._SCREEN_CHUNK` at a time), same ranking.

Each way runs in a child process of its own on a rows x columns sample of float64 noise with a
leak at column 1234 (the check's sample is at most 10,000 rows): the tracemalloc peak of the screen
call alone (numpy reports its arrays to tracemalloc), and the child's VmHWM (the input included).
Run: `.venv/bin/python bench/leak_screen_memory.py [rows] [columns]` (default 10000 10000; the
one-pass way needs about 3 GB of free memory at the default size).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def child(rows: int, columns: int, chunk: int) -> None:
    import numpy as np
    import pandas as pd

    from mcp_server.ml.data import leakage

    rng = np.random.default_rng(0)
    y = pd.Series(rng.integers(0, 2, rows).astype("int64"))
    candidates = [(f"c{i}", pd.Series(rng.normal(size=rows))) for i in range(columns)]
    candidates[min(1234, columns - 1)] = ("leak", y * 3 + pd.Series(rng.normal(0, 1e-3, rows)))
    tracemalloc.start()
    started = time.perf_counter()
    kept = leakage._most_suspect(candidates, y, "binary", chunk=chunk)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    hwm_kb = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])
    names = [name for name, _ in kept]
    print(
        json.dumps({"peak_mb": peak / 2**20, "hwm_mb": hwm_kb / 1024, "s": elapsed, "names": names})
    )


def measure(rows: int, columns: int, chunk: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", str(rows), str(columns), str(chunk)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    from mcp_server.ml.data.leakage import _SCREEN_CHUNK

    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    columns = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    before, after = measure(rows, columns, columns), measure(rows, columns, _SCREEN_CHUNK)
    print(
        f"leakage screen, {rows:,} rows x {columns:,} float64 columns (input "
        f"{rows * columns * 8 / 2**20:,.0f} MB):"
    )
    print(f"{'':24}{'one pass (before)':>20}{f'chunks of {_SCREEN_CHUNK} (after)':>22}")
    print(f"{'tracemalloc peak, MB':24}{before['peak_mb']:>20,.0f}{after['peak_mb']:>22,.0f}")
    print(f"{'child VmHWM, MB':24}{before['hwm_mb']:>20,.0f}{after['hwm_mb']:>22,.0f}")
    print(f"{'screen time, s':24}{before['s']:>20.1f}{after['s']:>22.1f}")
    same = before["names"] == after["names"]
    print(
        f"same {len(after['names'])} columns kept in the same order: {same}; leak kept: "
        f"{'leak' in after['names']}"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(*map(int, sys.argv[2:5]))
    else:
        main()
