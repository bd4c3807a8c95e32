"""What a model is made of: the estimator registry, the only place that knows model families
(`registry`), the preprocessing Pipeline built from a schema (`preprocess`), a table made ready
for a pipeline (`dataset`), the metrics (`metrics`) and the one table of metric names,
directions and scorers (`metrics_spec`). Fits nothing and records nothing itself.
"""

__all__ = ["dataset", "metrics", "metrics_spec", "preprocess", "registry"]
