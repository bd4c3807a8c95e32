"""What a TDD job does for one pipeline: train it and run the tests against it (two processes at
once), judge the holdout it measured against the SPEC's gates, and fit the equivalent model for the
phase's run, staged in the call's folder. Runs in the job process (`ml/tdd/capabilities.py`), on the
project (GREEN) or on its copy in the staging folder (REFACTOR, `ml/tdd/staged.py`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core import settings
from mcp_server.ml.tdd.generated_tests import tests_of
from mcp_server.ml.tdd.judge import Gate, gates
from mcp_server.ml.tdd.run import PytestRun, run_module, run_pytest

if TYPE_CHECKING:
    from mcp_server.ml.tdd.spec_data import SpecData
    from mcp_server.ml.tracking.store import RunRecord


@dataclass
class Attempt:
    """One pipeline trained and tested: its tests, gates, and its run staged for the record."""

    model: str
    params: dict[str, Any]
    run: PytestRun
    gates: list[Gate]
    measured: dict[str, Any]
    sha256: str | None
    pipeline: str  # the pipeline.py text that was trained and tested
    record: RunRecord | None = None  # the phase's run, staged (None: it could not be fitted)
    note: str | None = None  # why no run was staged
    rejected: str | None = None  # a REFACTOR candidate replaced by another pipeline: why
    files: dict[str, bytes | str] = field(default_factory=dict)  # the pipeline's files as written
    run_id: str | None = None  # once recorded

    @property
    def ok(self) -> bool:
        return self.run.all_passed


def train_and_test(
    root: Path, prep: SpecData, phase: str
) -> tuple[dict[str, Any], PytestRun, dict[str, Any]]:
    """Training (which saves the model) and the tests (which fit their own copy on the same split)
    are independent: both processes run at once."""
    from concurrent.futures import ThreadPoolExecutor

    paths = prep.paths
    state = root / paths["state"]
    metrics_file = state / f"{phase}-metrics.json"
    metrics_file.unlink(missing_ok=True)
    env = {settings.METRICS_OUT.name: str(metrics_file)}
    # RED's tests, and the selection's own (REFACTOR writes them with it) once it exists: TRUST
    # covers the package.
    first, *more = tests_of(prep)
    if (root / paths["selection_test"]).is_file():
        more.append(paths["selection_test"])
    cover = str(Path(paths["pipeline"]).parent)
    with ThreadPoolExecutor(max_workers=2) as pool:
        what = f"training the {phase} pipeline"
        training = pool.submit(run_module, root, prep.pipeline_module, [], what)
        report = state / f"{phase}.xml"
        testing = pool.submit(run_pytest, root, first, report, env, cover, tuple(more))
        run = testing.result()
        trained = training.result()
    measured = json.loads(metrics_file.read_text(encoding="utf-8")) if metrics_file.exists() else {}
    return trained, run, measured


def attempt(
    root: Path, prep: SpecData, phase: str, model: str, params: dict[str, Any], folder: Path
) -> Attempt:
    """The pipeline under `root` trained and tested, and the phase's run staged in `folder`."""
    trained, run, measured = train_and_test(root, prep, phase)
    text = (root / prep.paths["pipeline"]).read_text(encoding="utf-8")
    done = Attempt(model, params, run, gates(prep, measured), measured, trained.get("sha256"), text)
    metrics = {f"holdout_{g.name}": g.value for g in done.gates if g.value is not None}
    try:
        done.record = _staged_run(prep, phase, done, metrics, folder)
    except Exception as exc:  # the phase's outcome (the tests) stands without its run
        done.note = f"the run was not logged ({type(exc).__name__}: {str(exc)[:200]})"
    return done


def _staged_run(
    prep: SpecData, phase: str, done: Attempt, metrics: dict[str, float], folder: Path
) -> RunRecord:
    from mcp_server.ml.tdd.track import PhaseFit, data_tags_of, phase_tags, stage_phase_run

    folder.mkdir(parents=True, exist_ok=True)
    extra = phase_tags(prep, phase, done.params, done.sha256)
    order = PhaseFit(
        prep, phase, done.model, done.params, metrics, extra, data_tags_of(prep), str(folder)
    )
    return stage_phase_run(order)
