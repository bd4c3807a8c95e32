"""Batch scoring (`ml_batch_score`): a run's or registered model's predictions over a partitioned
dataset, written as partitioned Parquet, one partition at a time, resumable (`request`, `manifest`,
`partition`, `job`, `run`)."""

__all__ = ["job", "manifest", "partition", "request", "run"]
