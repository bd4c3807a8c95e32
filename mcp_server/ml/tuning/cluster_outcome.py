"""A search on the Dask cluster as `ml_tune`'s outcome (`job.TuneOutcome`), so the record step,
the judge and the answer take it as they take a local search's: the trial table and the two
plots staged beside the refitted winner's files (`cluster_train.fit_and_stage`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp_server.ml.fitting.training import TrainOutcome
    from mcp_server.ml.tuning.job import TuneOutcome


def outcome(
    req: Any,  # `cluster_tune.ClusterTuneRequest`
    study: Any,
    search: Any,
    best: dict[str, Any],
    trained: TrainOutcome,
    search_s: float,
) -> TuneOutcome:
    from mcp_server.ml.tuning import report
    from mcp_server.ml.tuning.job import TuneOutcome
    from mcp_server.ml.tuning.scoring import Scorer

    scorer = Scorer(trained.task, search.metric, len(trained.labels))
    rows = report.trial_rows(study)
    folder = Path(req.staging)
    report.write_table(rows, folder / "trials" / "trials.csv")
    report.history_png(rows, scorer, folder / "plots" / "optimization_history.png")
    importances = report.importances(study, best["family"])
    report.importance_png(importances, best["family"], folder / "plots" / "param_importances.png")
    counts = {
        s: sum(1 for r in rows if r["state"] == s)
        for s in ("complete", "pruned", "fail", "running", "waiting")
    }
    member = {
        "model": best["family"],
        "params": best["params"],
        "weight": 1,
        "trial": best["trial"],
    }
    hashed = f"the {req.group} column" if req.group else "each row"
    holdout = f"{req.test_size:g} of the rows by a hash of {hashed}"
    return TuneOutcome(
        task=trained.task,
        metric=search.metric,
        higher_is_better=scorer.higher,
        rows=trained.rows,
        columns=trained.columns,
        sha256=trained.sha256,
        schema=trained.schema,
        warnings=[
            *trained.warnings,
            f"searched on {req.cv_folds} hash-drawn folds of the rows a holdout of {holdout} "
            "leaves; the winner refitted on them and scored on the holdout",
        ],
        best_model=best["family"],
        best_params=best["params"],
        members=[member],
        cv_mean=round(best["mean"], 6),
        cv_std=round(best["std"], 6),
        counts=counts,
        leaderboard=report.leaderboard(rows, scorer),
        importances=importances,
        estimator_params=trained.estimator_params,
        search_s=round(search_s, 2),
        refit_s=trained.fit_time_s,
        trials_here=sum(1 for r in rows if r["worker"] == search.worker),
        train_rows=trained.train_rows,
        holdout_metrics=trained.metrics,
        test_rows=trained.test_rows,
        ran_on=trained.ran_on,
    )


__all__ = ["outcome"]
