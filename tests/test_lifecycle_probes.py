"""The heavy steps of export, serving and the model card run in job processes: one fresh server
process (`tests/lifecycle_probe.py`) makes the three calls on runs of one project, and after each
the server has imported none of scikit-learn, skl2onnx, onnxruntime, matplotlib's pyplot or
scipy.stats; each call's progress grows to its end. One interpreter and one job forkserver for
the three (about 7 s of CPU each) instead of one per tool; the cancellation of each tool is
tested beside it (tests/export/test_export_lifecycle.py, tests/serving/test_serving_lifecycle.py,
tests/monitoring/test_card_lifecycle.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.export_support import fit, log_fitted
from tests.monitoring.support import log_model
from tests.support import ROOT, copy_examples

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("lifecycle_probes")]


def probe(project: Path, calls: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The calls in one fresh server process: per call its answer, progress and the watched
    modules imported so far."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.lifecycle_probe", str(project), json.dumps(calls)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    project = copy_examples(tmp_path_factory.mktemp("probes") / "project")
    binary = "data/breast_cancer.csv"
    exported = log_fitted(project, fit("binary", "logistic_regression"), binary)
    served = log_fitted(project, fit("binary", "logistic_regression"), binary)
    carded = log_model(project, "logistic_regression", gates=True)
    calls = [
        ("ml_export", {"run_id": exported, "format": "onnx"}),
        ("ml_generate_serving", {"run_id": served}),
        ("ml_model_card", {"run_id": carded}),
    ]
    export, serving, card = probe(project, calls)
    return {
        "project": project,
        "export": export,
        "serve": serving,
        "card": card,
        "card_run": carded,
    }


def _grows(seen: dict[str, Any]) -> list[str]:
    """The progress messages, once the fractions are checked to grow to at most 1."""
    fractions = [done for done, _ in seen["progress"]]
    assert fractions == sorted(fractions) and 0 < fractions[-1] <= 1, fractions
    return [message for _, message in seen["progress"]]


def test_an_onnx_export_converts_in_a_job_process_and_reports_growing_progress(probed):
    seen, project = probed["export"], probed["project"]
    assert seen["answer"]["parity"]["passed"], seen["answer"]
    assert (project / seen["answer"]["path"]).is_file()
    assert seen["imported"] == [], "the server converted or proved the model itself"
    messages = _grows(seen)
    assert "converting to ONNX and checking parity" in messages, messages
    assert "writing the file" in messages, messages


def test_a_service_is_rendered_in_a_job_process_with_growing_progress(probed):
    seen, project = probed["serve"], probed["project"]
    answer = seen["answer"]
    assert answer["runtime"] == "onnx" and answer["parity"]["passed"], answer
    assert (project / answer["output_dir"] / "app" / "main.py").is_file()
    assert seen["imported"] == [], "the server converted or proved the model itself"
    messages = _grows(seen)
    assert "rendering the service" in messages and "writing the service" in messages, messages


def test_a_card_is_drawn_in_a_job_process_with_growing_progress(probed):
    seen, project = probed["card"], probed["project"]
    answer = seen["answer"]
    assert answer["run_id"] == probed["card_run"] and (project / answer["html"]).is_file(), answer
    assert seen["imported"] == [], "the server scored the holdout or drew the plots itself"
    messages = _grows(seen)
    assert "scoring the holdout and drawing the plots" in messages, messages
    assert "saving the card" in messages, messages
