"""Imported once by the job forkserver (never by the server itself): the heavy libraries every
job needs, so a forked job starts with them loaded instead of paying seconds of imports, and the
work a library does on its first call only (`first_calls`), done here once instead of per job."""

import gc
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot
import mlflow.pyfunc  # what `mlflow.sklearn.save_model` loads lazily, 0.1 s per job
import mlflow.sklearn

# Why: every job that reads a run (export, serving, card, drift, performance, scoring, tune)
# opens the SQLite store, whose module costs about 1.3 s of CPU to import; imported here once
# per forkserver instead of once per job (train, evaluate and compare jobs do not open it).
import mlflow.store.tracking.sqlalchemy_store
import numpy
import pandas
import pyarrow.csv
import sklearn.compose
import sklearn.ensemble
import sklearn.feature_extraction.text
import sklearn.impute
import sklearn.inspection
import sklearn.linear_model
import sklearn.metrics
import sklearn.model_selection
import sklearn.neighbors
import sklearn.pipeline
import sklearn.preprocessing
import sklearn.svm

import mcp_server.ml.data.arrow_csv
import mcp_server.ml.data.kinds.registry
import mcp_server.ml.data.splits
import mcp_server.ml.data.tables
import mcp_server.ml.fitting.compare
import mcp_server.ml.fitting.evaluation
import mcp_server.ml.fitting.image_plots
import mcp_server.ml.fitting.kind_hint
import mcp_server.ml.fitting.lean_fit
import mcp_server.ml.fitting.plots
import mcp_server.ml.fitting.training
import mcp_server.ml.modeling.bootstrap
import mcp_server.ml.modeling.estimators
import mcp_server.ml.modeling.faithful
import mcp_server.ml.modeling.forecast.scoring
import mcp_server.ml.modeling.holdout_stats
import mcp_server.ml.modeling.kind_families
import mcp_server.ml.modeling.metrics
import mcp_server.ml.modeling.preprocess
import mcp_server.ml.modeling.resample_metrics
import mcp_server.ml.tracking.artifacts
from mcp_server.processes.child import limit_threads

__all__ = ["matplotlib", "mcp_server", "mlflow", "numpy", "pandas", "pyarrow", "sklearn"]


def first_calls() -> None:
    """What a library does on its first call in a process and then keeps, done in the forkserver
    so that every forked job inherits it done.

    Why: MLflow maps every installed distribution to its modules (importlib metadata of the whole
    environment, about 0.45 s of CPU) the first time a model is saved, to check the model's pinned
    requirements against the environment; each job saves one, and a forked job starts with the
    forkserver's memory, so without this every `ml_train` paid it. Smaller ones: scikit-learn's
    dataframe plugins (narwhals entry points) on the first array it checks, and the first PNG
    Matplotlib writes (the Agg canvas and Pillow's plugins).
    """
    import matplotlib.figure
    import sklearn.utils.validation
    from mlflow.utils.requirements_utils import warn_dependency_requirement_mismatches

    warn_dependency_requirement_mismatches(["numpy", "scikit-learn"])
    for table in (numpy.zeros((1, 1)), pandas.DataFrame({"x": [0.0]})):
        sklearn.utils.validation.check_array(table)
    figure = matplotlib.figure.Figure(figsize=(1, 1))
    figure.add_subplot().plot([0, 1])
    figure.savefig(io.BytesIO(), format="png")


first_calls()
limit_threads()  # once here: every forked job inherits the native thread limits

# Why: a forked job shares these modules' pages with the forkserver until it writes to them, and a
# garbage collection writes to every object it visits; frozen objects are never visited, so their
# pages stay shared instead of being copied into each job.
gc.freeze()
