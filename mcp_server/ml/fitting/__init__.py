"""Fitting and scoring, the work that runs inside a job process: one holdout fit (`training`),
evaluation with CV and feature importance (`evaluation`), the cross-validated leaderboard
(`compare`), the plots (`plots`) and the forkserver's warm imports (`warm`), which write only
into the staging folder their request names; and, in the server, each fitting tool's typed
request (`requests`), job payload and run record (`train_run`, `compare_run`, `evaluate_run`).
"""

__all__ = [
    "compare",
    "compare_run",
    "evaluate_run",
    "evaluation",
    "plots",
    "progress",
    "requests",
    "train_run",
    "training",
    "warm",
]
