"""A wide table's fit is estimated from its columns too (issue 23, low 16): 300 x 10,000 was
estimated under the host's patience from its cells alone, ran inline for 124 s (no answer at all
before the column-by-column removals were fixed); it now runs as a job, and a narrow table of the
same cells stays inline."""

from __future__ import annotations

from pathlib import Path

from mcp_server.files.workspace import Workspace
from mcp_server.tools._background import INLINE_LIMIT_S
from mcp_server.tools._estimates import train_estimate


def write_csv(path: Path, rows: int, columns: int) -> None:
    header = ",".join([f"x{i}" for i in range(columns)] + ["y"])
    line = ",".join(["0.5"] * columns + ["1"])
    path.write_text(header + "\n" + (line + "\n") * rows, encoding="utf-8")


def test_a_300_by_10000_fit_is_estimated_past_the_hosts_patience_and_runs_as_a_job(
    tmp_path: Path,
) -> None:
    write_csv(tmp_path / "wide.csv", 300, 10_000)
    write_csv(tmp_path / "tall.csv", 100_000, 30)
    workspace = Workspace(tmp_path)
    wide = {"data_path": "wide.csv", "target": "y", "model": "logistic_regression"}
    tall = {**wide, "data_path": "tall.csv"}
    assert train_estimate(workspace, wide) > INLINE_LIMIT_S
    assert train_estimate(workspace, tall) < INLINE_LIMIT_S
