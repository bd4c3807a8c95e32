"""Where long work runs: in the job process, on a Dask `LocalCluster`, or on a running scheduler
(`engine`: one setting, `MOAI_ML_CLUSTER`, or a tool's `cluster` argument)."""

__all__ = ["engine"]
