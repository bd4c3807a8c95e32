"""`ml_tune`'s job: prepare the table and folds, search within the budget, refit the winner (a
model or an ensemble) on every row, stage it like `ml_train` does, and write the trial table and
plots. Runs in a job process (see `mcp_server.processes.child`); writes only into `staging` and the
study."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.fitting.progress import Progress, no_progress

if TYPE_CHECKING:
    pass

STEPS = 100
# The search stops early enough that choosing, staging and recording the run end within the budget
# (the refit is extra): staging the model and writing the MLflow run take a few seconds on a busy
# machine.
RESERVE, RESERVE_S = 0.05, 5.0


@dataclass
class TuneRequest:
    data_path: str
    target: str
    staging: str
    storage: str
    study_name: str
    # time.time() when the caller started; the search ends at started + time_budget_s
    started: float
    time_budget_s: float
    strategy: str = "auto"
    models: list[str] | None = None
    search_space: dict[str, dict[str, Any]] = field(default_factory=dict)
    metric: str | None = None
    task: str = "auto"
    drop: list[str] = field(default_factory=list)
    cv_folds: int = 5
    seed: int = 42
    n_trials: int | None = None
    cache: str | None = None
    test_size: float | None = None  # the SPEC's holdout, kept out of the search (None: no holdout)
    kind: str | None = None  # the SPEC's kind of data (None: detected)
    kind_options: dict[str, Any] = field(default_factory=dict)  # its options (a series' horizon)
    group_column: str | None = None  # the SPEC's: a group's rows stay in one fold, one side


@dataclass
class TuneOutcome:
    task: str
    metric: str
    higher_is_better: bool
    rows: int
    columns: int
    sha256: str
    schema: dict[str, Any]
    warnings: list[str]
    best_model: str
    best_params: dict[str, Any]
    members: list[dict[str, Any]]
    cv_mean: float
    cv_std: float
    counts: dict[str, int]
    leaderboard: list[dict[str, Any]]
    importances: dict[str, float]
    estimator_params: dict[str, Any]
    search_s: float
    refit_s: float
    trials_here: int
    train_rows: int = 0  # rows searched and refitted on (every labelled row without a holdout)
    holdout_metrics: dict[str, Any] | None = None  # the refitted winner on the SPEC's holdout
    test_rows: int = 0
    data_kind: str = "table"  # the kind of data that read the rows (`ml/data/kinds`)
    ran_on: str = "local"  # the job process, or the Dask cluster (`cluster.engine.Where`)


def reserve(budget: float) -> float:
    """Seconds kept back from the search for choosing, staging and recording the run."""
    return min(budget * RESERVE + RESERVE_S, budget / 2)


def _reads_rows(schema: Any, families: list[str]) -> bool:
    """No blend of a forecast's folds (they leave the first training rows without a prediction)
    nor of a family that reads the rows as they are (a blend has one preprocessing in front)."""
    from mcp_server.ml.modeling.preprocess import takes_raw_rows

    return bool(schema.roles) or any(takes_raw_rows(schema, f) for f in families)


def tune_job(req: TuneRequest, progress: Progress = no_progress) -> TuneOutcome:
    from mcp_server.ml.fitting.kind_hint import prepared_for
    from mcp_server.ml.modeling.dataset import check_classes
    from mcp_server.ml.modeling.kind_families import series_count
    from mcp_server.ml.tuning.folds import make_folds
    from mcp_server.ml.tuning.holdout import split_off
    from mcp_server.ml.tuning.scoring import Scorer
    from mcp_server.ml.tuning.search import SearchConfig

    progress(0, "loading and profiling the data")
    data = prepared_for(req)
    task = data.schema.task
    from mcp_server.ml.tuning.searched import check_request

    metric, families, spaces = check_request(
        req, task, data.kind, bool(data.schema.roles), series_count(data.schema, data.X)
    )
    data, holdout = split_off(data, req.test_size, req.seed)
    check_classes(
        data.y, data.schema, req.cv_folds, f"{req.cv_folds}-fold stratified cross-validation"
    )
    if len(data.y) < req.cv_folds * 2:
        raise MoaiMlError(
            f"{len(data.y)} rows are too few for {req.cv_folds}-fold cross-validation; lower "
            "cv_folds or give data_path more rows"
        )
    scorer = Scorer(task, metric, len(data.schema.classes))
    progress(1, f"preprocessing {req.cv_folds} folds of {len(data.y):,} rows")
    folds = make_folds(data, req.cv_folds, req.seed, scorer)
    config = SearchConfig(
        data_path=str(Path(req.data_path).resolve()),
        target=req.target,
        task=task,
        drop=req.drop,
        metric=metric,
        cv_folds=req.cv_folds,
        seed=req.seed,
        strategy=req.strategy,
        families=families,
        spaces=spaces,
        deadline=req.started + req.time_budget_s - reserve(req.time_budget_s),
        n_trials=req.n_trials,
        cache=req.cache,
        test_size=req.test_size,
        kind=req.kind,
        kind_options=req.kind_options,
        group_column=req.group_column,
    )
    return _search_and_refit(req, data, folds, config, progress, holdout)


def _search_and_refit(
    req: TuneRequest, data: Any, folds: Any, config: Any, progress: Progress, holdout: Any
) -> TuneOutcome:
    from mcp_server.ml.tuning import report
    from mcp_server.ml.tuning.automl import choose_final
    from mcp_server.ml.tuning.refit import refit
    from mcp_server.ml.tuning.search import Engine
    from mcp_server.ml.tuning.study import open_configured_study, run_strategy

    engine = Engine(config, folds, progress)
    study = open_configured_study(req.storage, req.study_name, config, folds.scorer.direction)
    started = time.time()
    run_strategy(engine, study, req.strategy, req.n_trials)
    search_s = time.time() - started
    blend = req.strategy == "auto" and not _reads_rows(data.schema, config.families)
    final = choose_final(engine, study, ensemble=blend)
    progress(92, f"refitting {final.name} on {len(data.y):,} rows")
    started = time.time()
    pipeline = refit(final, data, req.seed)
    refit_s = time.time() - started
    progress(96, "saving the model, the trial table and the plots")
    rows = report.trial_rows(study)
    importances = stage(req, data, pipeline, rows, study, final, folds.scorer)
    here = sum(1 for r in rows if r["worker"] == engine.worker)
    out = _outcome(data, folds.scorer, final, pipeline, rows, importances, search_s, refit_s, here)
    if holdout is not None:
        _score_holdout(out, pipeline, holdout, data.schema, Path(req.staging))
    return out


def _score_holdout(
    out: TuneOutcome, pipeline: Any, holdout: Any, schema: Any, folder: Path
) -> None:
    """The winner on the rows the search never saw, and their positions (as `ml_train` records
    them: `ml_evaluate` without data_path scores the same rows)."""
    import numpy as np

    from mcp_server.ml.tracking import tags
    from mcp_server.ml.tuning.holdout import holdout_scores

    out.holdout_metrics, out.test_rows = holdout_scores(pipeline, holdout, schema)
    np.save(folder / tags.HOLDOUT_INDEX, holdout[2])


def stage(
    req: TuneRequest,
    data: Any,
    pipeline: Any,
    rows: list[dict[str, Any]],
    study: Any,
    final: Any,
    scorer: Any,
) -> dict[str, float]:
    """model/, moai/, trials/trials.csv and plots/ in the staging folder; returns the
    importances."""
    from mcp_server.ml.tracking.artifacts import INPUT_EXAMPLE_ROWS, stage_model, write_moai_dir
    from mcp_server.ml.tuning import report

    folder = Path(req.staging)
    write_moai_dir(folder / "moai", pipeline, data.schema)
    stage_model(
        pipeline, data.X.head(INPUT_EXAMPLE_ROWS), folder / "model", data.schema, final.name
    )
    report.write_table(rows, folder / "trials" / "trials.csv")
    report.history_png(rows, scorer, folder / "plots" / "optimization_history.png")
    family = final.members[0].family
    values = report.importances(study, family)
    report.importance_png(values, family, folder / "plots" / "param_importances.png")
    return values


def _outcome(
    data: Any,
    scorer: Any,
    final: Any,
    pipeline: Any,
    rows: list[dict[str, Any]],
    importances: dict[str, float],
    search_s: float,
    refit_s: float,
    here: int,
) -> TuneOutcome:
    from mcp_server.ml.tracking.artifacts import simple_params
    from mcp_server.ml.tuning.report import leaderboard

    counts = {
        s: sum(1 for r in rows if r["state"] == s)
        for s in ("complete", "pruned", "fail", "running", "waiting")
    }
    members = [
        {"model": m.family, "params": m.params, "weight": m.weight, "trial": m.trial}
        for m in final.members
    ]
    best = final.members[0]
    params = {**best.params, **({"n_estimators": best.rounds} if best.rounds else {})}
    return TuneOutcome(
        task=scorer.task,
        metric=scorer.metric,
        higher_is_better=scorer.higher,
        rows=data.rows,
        columns=data.columns,
        sha256=data.sha256,
        schema=data.schema.to_dict(),
        warnings=data.warnings,
        best_model=final.name,
        best_params=params if not final.is_ensemble else {},
        members=members,
        cv_mean=round(final.cv_mean, 6),
        cv_std=round(final.cv_std, 6),
        counts=counts,
        leaderboard=leaderboard(rows, scorer),
        importances=importances,
        estimator_params=simple_params(pipeline.named_steps["model"]),
        search_s=round(search_s, 2),
        refit_s=round(refit_s, 2),
        trials_here=here,
        train_rows=len(data.y),
        data_kind=data.kind.name,
    )
