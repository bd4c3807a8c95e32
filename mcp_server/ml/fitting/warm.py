"""Imported once by the job forkserver (never by the server itself): the heavy libraries every
job needs, so a forked job starts with them loaded instead of paying seconds of imports."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot
import mlflow.sklearn
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
