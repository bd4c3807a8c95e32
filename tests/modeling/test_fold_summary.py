"""One summary of a cross-validation's folds (`metrics.mean_std`): a local CV (`cv_summary`, errors
flipped back to positive) and a cluster's folds (`cluster_compare.summary`) give the same mean and
std for the same fold scores, leaving out a fold where the metric is undefined."""

from __future__ import annotations

import numpy as np
import pytest

from mcp_server.ml.fitting.cluster_compare import summary
from mcp_server.ml.modeling.metrics import cv_summary, mean_std


def test_the_mean_and_std_leave_out_undefined_folds_and_are_none_when_no_fold_has_a_value():
    found = mean_std([0.5, float("nan"), 0.8, None])
    assert found == {"mean": pytest.approx(0.65), "std": pytest.approx(0.15)}
    assert mean_std([None, float("nan")]) == {"mean": None, "std": None}


def test_a_local_and_a_cluster_cv_summarise_the_same_folds_alike():
    folds = [
        {"roc_auc": 0.91, "rmse": 2.0, "log_loss": None},
        {"roc_auc": 0.87, "rmse": 3.5, "log_loss": None},
        {"roc_auc": float("nan"), "rmse": 2.6, "log_loss": None},
    ]
    local = {  # cross_validate's output: error scorers negated
        "test_roc_auc": np.array([0.91, 0.87, np.nan]),
        "test_rmse": -np.array([2.0, 3.5, 2.6]),
        "test_log_loss": np.array([np.nan, np.nan, np.nan]),
    }
    assert summary(folds) == cv_summary(local, ["roc_auc", "rmse", "log_loss"])
    assert summary(folds)["rmse"]["mean"] == pytest.approx(np.mean([2.0, 3.5, 2.6]), abs=1e-6)
