"""The run store of record, MLflow: a `RunRecord` written in one go (`store`), the workspace's
store and the model files every later tool reads back (`runs`), staging a model's files
(`artifacts`), records of fitted models (`records`), finding runs (`queries`), where the store
lives (`locations`), and every tag, stored metric name, artifact folder and the experiment
naming rule (`tags`), what a run's verdict allows (`verdicts`), and a Weights & Biases mirror of
every run, when asked for (`wandb`). The model registry joins here.
"""

__all__ = ["artifacts", "locations", "queries", "records", "runs", "store", "tags", "verdicts", "wandb"]
