"""Rough duration estimates of long calls, so a call that would outlast an MCP host runs as a job.

Advice, not a promise: the table's size comes from its file (a 256 KiB sample of a CSV, the
footer of a Parquet file), a fit's cost from the cells it sees and the registry's relative
`cost` of the model family. Calibrated on 2 shared vCPUs (bench/agent_budget.py prints the
estimate next to the measured time). Every function takes the tool's validated arguments.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.workspace import Workspace

SAMPLE = 256 * 1024
SECONDS_PER_CELL = 1.5e-6  # one fit of a cost-0 model; a family costs (1 + cost) times this
START_S = 1.0  # fixed cost of a call: reading the table, recording the run
# The TDD phases on 2 shared vCPUs (bench/tdd_cycle.py): ML-001's cycle ran 170-230 s inline on
# a loaded machine; at load 12 its RED pytest took 14 s (3.4 s CPU), GREEN's tests under coverage
# 25 s (10 s CPU) beside its training process (2.8 s CPU), and its run 100 s (a cold job process,
# a new MLflow store). The figures below are a moderately loaded machine's.
PYTEST_S = 12.0  # one run of the generated tests under coverage, without their fits
PROCESS_S = 5.0  # a generated module's process: Python, pandas and scikit-learn imported
RECORD_S = 15.0  # a phase's run: its model refitted in a job process, staged, written to MLflow
FIT_FLOOR_S = 0.15  # a fit's least cost per unit of (1 + the family's cost) on a small table
# A fit's cost per column, whatever the rows (reading, profiling, coercing, staging its schema):
# 300 x 10,000 trained in 124 s on 2 loaded vCPUs, 12 ms a column; half that when idle.
COLUMN_S = 0.006


def table_size(path: Path) -> tuple[int, int]:
    """(rows, columns) of a table, estimated without loading it."""
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
        return int(meta.num_rows), int(meta.num_columns)
    size = path.stat().st_size
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE)
    lines = sample.splitlines()
    if not lines:
        return 0, 0
    header = next(csv.reader([lines[0].decode("utf-8", "replace")]))
    rows = (
        len(lines) - 1 if len(sample) < SAMPLE else int(size / (len(sample) / max(len(lines), 1)))
    )
    return max(rows, 0), len(header)


def fit_seconds(cells: float, models: list[str], rows: float = 0.0) -> float:
    """Seconds to fit each of `models` once: the table's cells times the family's cost, plus its
    time per row (a network's epochs over `rows` training rows)."""
    from mcp_server.ml.modeling.registry import REGISTRY

    return sum(
        (1 + (REGISTRY[m].cost if m in REGISTRY else 5)) * SECONDS_PER_CELL * cells
        + (REGISTRY[m].seconds_per_row * rows if m in REGISTRY else 0.0)
        + 0.05
        for m in models
    )


class Refused(MoaiMlError):
    """An estimate found the call cannot succeed: refuse it now rather than start a doomed job."""


class TooLarge(Refused):
    """The table cannot be loaded at all."""


def _cells(workspace: Workspace, data_path: str) -> tuple[float, int]:
    from mcp_server.ml.data.tables import check_memory

    path = workspace.resolve(data_path, must_exist=True)
    if path.suffix.lower() not in (".parquet", ".pq"):
        try:
            check_memory(path)
        except MoaiMlError as exc:
            raise TooLarge(str(exc)) from exc
    rows, columns = table_size(path)
    return float(rows * max(columns, 1)), rows


def _task_models(task: str, rows: int) -> list[str]:
    from mcp_server.ml.modeling.catalog import fast_first

    return fast_first("binary" if task == "auto" else task)


def _first_choice(task: str, rows: int) -> str:
    from mcp_server.ml.modeling.catalog import default_model

    return default_model("binary" if task == "auto" else task, rows)


def compare_estimate(workspace: Workspace, args: dict[str, Any]) -> float:
    cells, rows = _cells(workspace, args["data_path"])
    models = args.get("models") or _task_models(args.get("task", "auto"), rows)
    folds = int(args.get("cv_folds", 5))
    seconds = START_S + folds * fit_seconds(cells, models, rows * (folds - 1) / folds)
    return min(seconds, float(args.get("time_budget_s", seconds)) + START_S)


def train_estimate(workspace: Workspace, args: dict[str, Any]) -> float:
    cells, rows = _cells(workspace, args["data_path"])
    model = args.get("model", "auto")
    chosen = model if model != "auto" else _first_choice(args.get("task", "auto"), rows)
    columns = cells / max(rows, 1)
    fit = 2 * fit_seconds(cells, [chosen], rows * (1 - args.get("test_size", 0.2)))
    return START_S + COLUMN_S * columns + fit


def evaluate_estimate(workspace: Workspace, args: dict[str, Any]) -> float | None:
    if not args.get("cv_folds"):
        return START_S + 3.0  # plots only
    if not args.get("data_path"):
        return None  # the run's own table: known only once the run is read
    cells, rows = _cells(
        workspace, args["data_path"]
    )  # the run's model is unknown here: the registry's first choice
    return START_S + 3.0 + int(args["cv_folds"]) * fit_seconds(cells, [_first_choice("auto", rows)])


@dataclass(frozen=True)
class _TddSpec:
    cells: float  # the training split's cells
    rows: float  # the training split's rows
    first: str  # GREEN's model: the registry's first choice
    candidates: list[str]  # REFACTOR's, each over its small grid
    folds: int
    tune_budget_s: float


def _require_tests(workspace: Workspace, spec: Any, package: str | None) -> None:
    """GREEN and REFACTOR need RED's model tests: the phases' own rule, as a refusal."""
    from mcp_server.core.errors import SpecError
    from mcp_server.ml.tdd.generated_tests import DEFAULT_PACKAGE, pinned_test, require_tests_at

    test = pinned_test(package or DEFAULT_PACKAGE, spec.module)
    try:
        require_tests_at(workspace, [test], spec.spec_id)
    except SpecError as exc:
        raise Refused(str(exc)) from exc


def _spec(workspace: Workspace, args: dict[str, Any], phase: str) -> _TddSpec:
    from mcp_server.ml.modeling.catalog import default_model
    from mcp_server.ml.spec.reader import load_spec

    fields = args.get("fields") or {}
    fields = fields.model_dump(exclude_none=True) if hasattr(fields, "model_dump") else dict(fields)
    spec = load_spec(workspace, args.get("spec_path"), fields)
    if phase in ("green", "refactor"):  # refused now, not as a job that fails the same way
        _require_tests(workspace, spec, args.get("package"))
    cells, rows = _cells(workspace, spec.dataset)
    task = "binary" if spec.task == "auto" else spec.task
    first = args.get("model") or default_model(task, rows)
    candidates = spec.candidates or [first, *_task_models(spec.task, rows)[:2]]
    train = 1 - spec.test_size
    tune = float(spec.tune_budget_s or 0)
    return _TddSpec(cells * train, rows * train, first, candidates, spec.cv_folds, tune)


def grid_points(model: str) -> int:
    """The fits of one fold of REFACTOR's grid search: the product of the small grid's sizes."""
    from mcp_server.ml.modeling.registry import REGISTRY

    points = 1
    for values in REGISTRY[model].small_grid.values() if model in REGISTRY else ():
        points *= max(len(values), 1)
    return points


def tdd_fit_s(cells: float, model: str, rows: float) -> float:
    """One fit in a generated project: the cells' cost, with the family's floor (a forest's 200
    trees cost about a second whatever the table: a small table is no cheaper than that)."""
    from mcp_server.ml.modeling.registry import REGISTRY

    cost = REGISTRY[model].cost if model in REGISTRY else 5
    return max(fit_seconds(cells, [model], rows), FIT_FLOOR_S * (1 + cost))


def _finish_s(spec: _TddSpec, model: str, selection_tests: bool) -> float:
    """GREEN's and REFACTOR's second half: the pipeline trained (a process) while the tests run
    (pytest under coverage: the model fitted, refitted for reproducibility and by the CLI test),
    then the phase's run (the model refitted in a job process and written to MLflow)."""
    fit = tdd_fit_s(spec.cells, model, spec.rows)
    tests = PYTEST_S + 3 * fit
    if selection_tests:  # two candidates at one grid point over two folds, twice
        half = spec.cells / 2
        tests += sum(4 * tdd_fit_s(half, c, spec.rows / 2) for c in spec.candidates[:2])
    return max(tests, PROCESS_S + fit) + RECORD_S + fit


def _selection_s(spec: _TddSpec) -> float:
    """REFACTOR's grid search: every candidate, every grid point, every fold."""
    cells, rows = (
        spec.cells * (spec.folds - 1) / spec.folds,
        spec.rows * (spec.folds - 1) / spec.folds,
    )
    fits = sum(spec.folds * grid_points(c) * tdd_fit_s(cells, c, rows) for c in spec.candidates)
    return PROCESS_S + fits


def tdd_estimate(phase: str) -> Any:
    """The estimate of one TDD phase (`red`, `green`, `refactor`) or of the whole `cycle`, from
    the phases' measured costs (bench/tdd_cycle.py): pytest runs, the processes they start, the
    phase's MLflow run, and the fits each makes; REFACTOR adds its grid search and, when the SPEC
    gives `tune_budget_s`, the search and one more trained and tested pipeline."""

    def estimate(workspace: Workspace, args: dict[str, Any]) -> float:
        red = START_S + PYTEST_S
        if phase == "red":
            return red
        spec = _spec(workspace, args, phase)
        green = START_S + _finish_s(spec, spec.first, False)
        winner = max(spec.candidates, key=lambda c: tdd_fit_s(spec.cells, c, spec.rows))
        refactor = START_S + _selection_s(spec) + _finish_s(spec, winner, True)
        if spec.tune_budget_s:
            refactor += spec.tune_budget_s + _finish_s(spec, winner, True)
        return {"green": green, "refactor": refactor, "cycle": red + green + refactor}[phase]

    return estimate


def tune_estimate(workspace: Workspace, args: dict[str, Any]) -> float:
    """The search stops at its budget, or sooner after `n_trials`; the refit on every row comes
    after."""
    cells, rows = _cells(workspace, args["data_path"])
    models = args.get("models") or _task_models(args.get("task", "auto"), rows)
    folds = int(args.get("cv_folds", 5))
    search = float(args.get("time_budget_s", 300))
    if args.get("n_trials"):
        per_trial = folds * fit_seconds(cells * (folds - 1) / folds, models) / len(models)
        search = min(search, int(args["n_trials"]) * per_trial)
    return START_S + search + 2 * fit_seconds(cells, models[:1])


DRIFT_SECONDS_PER_CELL = (
    1e-6  # reading both tables and one test per column (200k x 21 twice: ~5 s measured)
)
PLOT_S = 3.0  # the PNG of drifted columns or chunks


def _source_cells(workspace: Workspace, source: str) -> float:
    """Cells of a table or prediction log given as a path; a run's rows are unknown until it is read
    (0)."""
    path = workspace.resolve(source)
    if not path.exists():  # a run id or models:/ URI (or a typo the call itself reports)
        return 0.0
    if path.is_dir() or path.suffix.lower() == ".jsonl":
        files = [path] if path.is_file() else list(path.rglob("*.jsonl"))
        return sum(f.stat().st_size for f in files) / 20.0  # ~20 bytes per logged value
    cells, _ = _cells(workspace, source)
    return cells


def drift_estimate(workspace: Workspace, args: dict[str, Any]) -> float:
    cells = _source_cells(workspace, args["reference"]) + _source_cells(workspace, args["current"])
    return START_S + PLOT_S + DRIFT_SECONDS_PER_CELL * cells * (1.5 if args.get("psi") else 1.0)


def performance_estimate(workspace: Workspace, args: dict[str, Any]) -> float:
    """Predicting the current rows (the model is unknown here: a mid-cost family) and one metric
    pass per chunk."""
    cells = _source_cells(workspace, args["current"])
    return START_S + PLOT_S + 2 * SECONDS_PER_CELL * cells + 0.05 * int(args.get("chunks", 5))
