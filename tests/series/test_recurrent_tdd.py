"""The recurrent families in the TDD cycle of a forecast SPEC (`templates/tdd_series`): GREEN with
`lstm` writes a pipeline whose network module is copied beside it (the generated project never
imports mcp_server), trains it and passes every test RED generated: the holdout and leakage
tests, the MASE gate, beating the seasonal naive, interval coverage, seed and reload parity."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tdd import phases as tdd
from tests.series.tdd_support import hostile_project

# GREEN's params over the family's defaults: a window of four weeks (the default, two seasons,
# averages too few noisy days of each weekday to beat the seasonal naive here) and an epoch cap
WINDOW = {"window": 28, "max_epochs": 30}


@pytest.mark.slow
def test_green_with_an_lstm_passes_every_generated_forecast_test(tmp_path: Path) -> None:
    workspace = Workspace(hostile_project(tmp_path / "project", days=150))
    red = tdd.red(workspace, tdd.load(workspace, "ML-026", None, "proj"))
    assert red.ok and red.tests and not [t for t in red.tests if t.status == "passed"]

    green = tdd.green(workspace, tdd.load(workspace, "ML-026", None, "proj"), "lstm", params=WINDOW)
    failed = [f"{t.name}: {t.reason}" for t in green.tests if t.status != "passed"]
    assert green.ok and not failed, failed
    assert len(green.tests) == len(red.tests)
    assert green.model == "lstm" and green.params == WINDOW
    assert [g.passed for g in green.metrics] == [True]
    folder = workspace.root / "src" / "proj" / "ml_026"
    assert "from .rnn import LstmForecaster" in (folder / "pipeline.py").read_text()
    assert (folder / "rnn_fit.py").is_file()
    assert not [p for p in (workspace.root / "src").rglob("*.py") if "mcp_server" in p.read_text()]
