"""The run store of record, MLflow, behind a view of our own: a `RunRecord` written in one go
and `RunView`s read back (`store`, `view`), the workspace's store and the model files every later
tool reads back (`runs`), where experiments keep their files (`experiments`), staging a model's
files (`artifacts`), records of fitted models (`records`), finding runs (`queries`), where the
store lives (`locations`), every tag, stored metric name, artifact folder and the experiment
naming rule (`tags`), a run's `Verdict` (`verdict`) and the doors that admit a run by it
(`doors`), nested runs written in bulk (`children`), a Weights & Biases mirror of every run, when
asked for (`wandb`), the MLflow model registry and the `models:/` resolver (`model_registry`), a
run's own training and holdout rows (`run_data`), and the SQLite store's first creation
(`sqlite_init`).
"""

__all__ = [
    "artifacts",
    "children",
    "doors",
    "experiments",
    "locations",
    "model_registry",
    "queries",
    "records",
    "run_data",
    "runs",
    "sqlite_init",
    "store",
    "tags",
    "verdict",
    "view",
    "wandb",
]
