"""Imported once by the job forkserver (never by the server itself): the heavy libraries every
job needs, so a forked job starts with them loaded instead of paying seconds of imports."""

import gc

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot
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

import mcp_server.ml.fitting.compare
import mcp_server.ml.fitting.evaluation
import mcp_server.ml.fitting.training

__all__ = ["matplotlib", "mcp_server", "mlflow", "numpy", "pandas", "pyarrow", "sklearn"]

# Why: a forked job shares these modules' pages with the forkserver until it writes to them, and a
# garbage collection writes to every object it visits; frozen objects are never visited, so their
# pages stay shared instead of being copied into each job.
gc.freeze()
