"""Fitting and scoring, the work that runs inside a job process: one holdout fit (`training`),
evaluation with CV and feature importance (`evaluation`), the cross-validated leaderboard
(`compare`), the plots (`plots`) and the forkserver's warm imports (`warm`). Writes only into
the staging folder its request names; recording the outcome is `tracking`'s job.
"""

__all__ = ["compare", "evaluation", "plots", "training", "warm"]
