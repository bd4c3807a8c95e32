"""Every file the product reads is bounded: a huge SPEC is refused before it is read, and a
prediction log is streamed line by line, keeping its newest rows, skipping lines no service
wrote (over-long, or nested past the parser's depth) and saying what it skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcp_server.core.errors import SpecError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.monitoring import sources
from mcp_server.ml.spec.reader import load_spec
from tests.support import copy_examples


def test_a_sparse_one_gigabyte_spec_is_refused_in_one_line_before_it_is_read(tmp_path: Path):
    project = copy_examples(tmp_path / "project")
    spec = project / ".moai/specs/SPEC-ML-001/spec.md"
    with spec.open("r+b") as handle:
        handle.truncate(1 << 30)  # sparse: no disk, but read whole it would take a gibibyte
    with pytest.raises(SpecError) as refused:
        load_spec(Workspace(project), "ML-001")
    text = str(refused.value)
    assert "1024.0 MiB" in text and "at most 1 MiB" in text and "\n" not in text


def test_an_oversized_acceptance_file_is_refused_too(tmp_path: Path):
    project = copy_examples(tmp_path / "project")
    (project / ".moai/specs/SPEC-ML-001/acceptance.md").write_bytes(b"#" * (2 << 20))
    with pytest.raises(SpecError, match=r"acceptance\.md is 2\.0 MiB"):
        load_spec(Workspace(project), "ML-001")


def _line(i: int) -> bytes:
    record = {"time": "2026-12-06T00:00:00Z", "features": {"x": i}, "answer": {"prediction": i}}
    return (json.dumps(record) + "\n").encode()


def test_a_prediction_log_keeps_its_newest_rows_and_skips_lines_no_service_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(sources, "MAX_LOG_RECORDS", 50)
    monkeypatch.setattr(sources, "MAX_LOG_LINE", 4096)
    log = tmp_path / "predictions.jsonl"
    with log.open("wb") as out:
        for i in range(120):
            out.write(_line(i))
            if i == 10:
                out.write(b"[" * 100_000 + b"\n")  # deeper than the JSON parser recurses
            if i == 20:
                out.write(b'{"features": "' + b"a" * 10_000 + b'"}\n')  # longer than a line may be
        out.write(_line(999)[:-20])  # a line still being written
    rows = sources.read_log(log, "the log")
    assert rows.frame["x"].tolist() == list(range(70, 120))
    assert rows.predictions.tolist() == list(range(70, 120))
    assert "skipped 3 incomplete or unreadable log line(s)" in rows.notes
    assert "read the newest 50 of 120 logged rows" in rows.notes
