"""Metrics an expert would choose: MAPE is not reported where it divides by zero, WAPE is, a count
target is judged by its Poisson deviance, and the profile says so before anyone trains."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics

from mcp_server.ml.data.profile import profile_frame
from mcp_server.ml.modeling.metrics import regression_metrics


def test_mape_is_null_on_a_target_with_zeros_and_wape_is_defined_there():
    y = np.array([0.0, 3.0, 5.0, 0.0, 12.0])
    pred = np.array([0.4, 2.0, 6.0, 1.0, 10.0])
    found = regression_metrics(y, pred)
    assert found["mape"] is None
    assert found["wape"] == pytest.approx(np.abs(y - pred).sum() / np.abs(y).sum(), abs=1e-6)
    assert found["poisson_deviance"] == pytest.approx(
        metrics.mean_poisson_deviance(y, pred), abs=1e-6
    )


def test_a_near_zero_true_value_makes_mape_null_but_ordinary_values_keep_scikit_learns_mape():
    assert regression_metrics([0.0001, 100.0, 200.0], [1.0, 110.0, 190.0])["mape"] is None
    y, pred = np.array([10.0, 20.0, 40.0]), np.array([12.0, 18.0, 41.0])
    assert regression_metrics(y, pred)["mape"] == pytest.approx(
        metrics.mean_absolute_percentage_error(y, pred), abs=1e-6
    )


def test_the_poisson_deviance_is_left_out_where_a_prediction_is_not_positive():
    found = regression_metrics([0.0, 2.0, 4.0], [-0.5, 2.0, 3.0])
    assert "poisson_deviance" not in found and found["mape"] is None


def test_the_profile_of_a_count_target_with_zeros_names_wape_and_a_poisson_objective():
    rng = np.random.default_rng(0)
    x = rng.normal(size=2000)
    frame = pd.DataFrame({"x": x, "visits": rng.poisson(np.exp(0.9 * x - 0.3))})
    profile = profile_frame(frame, target="visits", task="regression")
    kinds = {f.code: f.message for f in profile.findings}
    assert profile.target_summary["zeros"] == int((frame["visits"] == 0).sum()) > 0
    assert "wape" in kinds["mape_undefined"]
    assert "params={'loss': 'poisson'}" in kinds["count_target"]


def test_a_symmetric_continuous_target_gets_neither_warning():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.normal(size=500), "price": rng.normal(100, 10, 500)})
    kinds = {f.code for f in profile_frame(frame, target="price", task="regression").findings}
    assert not kinds & {"mape_undefined", "count_target"}
