"""Profiling a wide table: `ml_profile_data` on 300 rows x 10,001 columns (one hidden leak),
through the real server over stdio, and the same profile with the leak check's screen off
(every column cross-validated, as before the screen) on a 2,000-column slice for the ratio.

Run: `.venv/bin/python bench/profile_wide.py [columns]` (default 10000).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import anyio
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mcp_server.ml.data import leakage  # noqa: E402
from mcp_server.ml.data.profile import profile_frame  # noqa: E402
from tests.support import stdio_client, structured  # noqa: E402


def wide_table(columns: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(300, columns)), columns=[f"c{i}" for i in range(columns)])
    frame["target"] = rng.integers(0, 2, 300)
    frame.insert(columns // 2, "settled", frame["target"] * 3 + rng.normal(0, 0.01, 300))
    return frame


async def through_the_server(project: Path) -> tuple[float, list[str]]:
    async with stdio_client(project) as client:
        started = time.perf_counter()
        arguments = {"data_path": "data/wide.csv", "target": "target"}
        result = structured(await client.call_tool("ml_profile_data", arguments))
        elapsed = time.perf_counter() - started
    return elapsed, [str(d) for d in result.get("suggested_drop", [])]


def reading(path: Path) -> tuple[float, float]:
    """The product's table read (Arrow, converted in groups of columns) and pandas' own."""
    from mcp_server.ml.data.tables import load_table

    started = time.perf_counter()
    ours = load_table(path)
    read = time.perf_counter() - started
    started = time.perf_counter()
    theirs = pd.read_csv(path)
    plain = time.perf_counter() - started
    assert ours.shape == theirs.shape
    return read, plain


def in_process(frame: pd.DataFrame, screen: bool) -> float:
    saved = leakage._EXACT_MAX
    leakage._EXACT_MAX = saved if screen else 10**9
    try:
        started = time.perf_counter()
        assert profile_frame(frame, "target").flagged("leakage") == ["settled"]
        return time.perf_counter() - started
    finally:
        leakage._EXACT_MAX = saved


def main() -> None:
    columns = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "data").mkdir()
        wide_table(columns).to_csv(project / "data/wide.csv", index=False)
        elapsed, drop = anyio.run(through_the_server, project)
        read, plain = reading(project / "data/wide.csv")
    print(
        f"reading it: load_table {read:.1f} s, pandas.read_csv {plain:.1f} s "
        f"(ratio {read / plain:.2f}x)"
    )
    print(
        f"ml_profile_data, 300 x {columns + 2:,} columns over stdio: {elapsed:.1f} s "
        f"(target <= 10 s); drop={drop}"
    )
    part = wide_table(2000)
    screened, exact = in_process(part, True), in_process(part, False)
    print(
        f"profile_frame 300 x 2,002: screened {screened:.1f} s, every column exact {exact:.1f} s "
        f"(ratio {exact / screened:.1f}x), leak found both ways"
    )


if __name__ == "__main__":
    main()
