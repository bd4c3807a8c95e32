"""Tuning and AutoML (issue 11): search spaces from the estimator registry, cross-validated
search (grid, random, Optuna TPE, hyperopt, `auto`), pruning across folds, early-stopped boosters,
the portfolio, greedy ensemble selection, study storage (SQLite, PostgreSQL) and the worker that
joins a study from another process."""

__all__ = [
    "automl",
    "ensemble",
    "folds",
    "job",
    "portfolio",
    "report",
    "scoring",
    "search",
    "spaces",
    "storage",
    "worker",
]
