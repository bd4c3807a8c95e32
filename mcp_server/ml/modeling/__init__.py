"""What a model is made of: the estimator registry, the only place that names model families
(`registry`, its entries' shape in `estimator_spec`), the questions asked of it (`catalog`) and
the estimators built from it (`estimators`), the preprocessing Pipeline built from a schema
(`preprocess`), a table made ready for a pipeline (`dataset`), the metrics (`metrics`) and the one
table of metric names, directions and scorers (`metrics_spec`), and the neural families for tables
(`neural`: a PyTorch MLP through skorch; `keras_mlp`: the same MLP in Keras 3), imported only when
such a model is built; the estimator modules of this package copied into generated code (the
TDD projects, the forecast service: `local_modules`). Fits nothing and records nothing itself.
"""

__all__ = [
    "catalog",
    "dataset",
    "estimator_spec",
    "estimators",
    "forecast",
    "keras_mlp",
    "local_modules",
    "metrics",
    "metrics_spec",
    "neural",
    "preprocess",
    "registry",
]
