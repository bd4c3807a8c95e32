"""The run store of record, MLflow: writing a whole run in one go and reading it back (`store`),
the workspace's store with the model files every later tool reads (`runs`). Run tags, stored
metric names, artifact folders and the experiment naming rule live in `tags`. The model
registry joins here.
"""

__all__ = ["runs", "store"]
