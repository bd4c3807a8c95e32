"""The run store of record, MLflow: a `RunRecord` written in one go (`store`), the workspace's
store and the model files every later tool reads back (`runs`), staging a model's files
(`artifacts`), records of fitted models (`records`), finding runs (`queries`), where the store
lives (`locations`), and every tag, stored metric name, artifact folder and the experiment
naming rule (`tags`), what a run's verdict allows (`verdicts`), a Weights & Biases mirror of
every run, when asked for (`wandb`), the MLflow model registry and the `models:/` resolver
(`model_registry`), and a run's own training and holdout rows (`run_data`).
"""

__all__ = [
    "artifacts",
    "locations",
    "model_registry",
    "queries",
    "records",
    "run_data",
    "runs",
    "store",
    "tags",
    "verdicts",
    "wandb",
]
