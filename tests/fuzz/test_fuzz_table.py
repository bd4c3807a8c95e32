"""The fuzz campaign's table (issue 23): attempts / clear / opaque / crashes / escapes /
executions / lost, counted from the verdicts of real calls and the marker files payloads wrote,
printed at the end of the run and written as JSON beside it."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from tests.fuzz import corpus
from tests.fuzz.harness import Tally, classify


def answer(text: str, error: bool = True) -> SimpleNamespace:
    from mcp.types import TextContent

    return SimpleNamespace(is_error=error, content=[TextContent(type="text", text=text)])


def test_the_table_counts_each_outcome_and_every_marker_a_payload_wrote(tmp_path: Path) -> None:
    tally = Tally()
    for result in [
        answer("ok", error=False),
        answer("data_path 'x.csv' not found; ml_profile_data lists the tables"),
        answer("Error executing tool ml_tune"),
        answer('Traceback (most recent call last):\n  File "/x/mcp_server/a.py"'),
    ]:
        tally.add(*classify(result)[:1], "ml_x", {}, classify(result)[1])
    tally.add("crashes", "ml_x", {}, "EOF")
    tally.add("lost", "ml_x", {}, "not answered")
    tally.add("hangs", "ml_x", {}, "no answer after 960 s")
    (tmp_path / "job").mkdir()
    (tmp_path / "job" / corpus.EXECUTED).write_text("x")
    (tmp_path / corpus.EXECUTED).write_text("x")
    tally.count_executions(tmp_path)
    want = {
        "attempts": 7,
        "clear": 1,
        "opaque": 2,
        "crashes": 1,
        "escapes": 0,
        "executions": 2,
        "lost": 2,
    }
    assert tally.summary() == want and tally.failures == 7
    printed = tally.report(tmp_path)
    assert printed.splitlines()[0] == "| " + " | ".join(want) + " |"
    assert json.loads((tmp_path / "fuzz_table.json").read_text())["summary"] == want
    assert str(tmp_path / "fuzz_table.json") in printed


def test_every_executing_payload_names_the_marker_the_table_counts() -> None:
    payloads = corpus.executing()
    assert payloads and all(corpus.EXECUTED in p for p in payloads)
    junk = corpus.junk_values()
    assert all(p in junk for p in payloads)
