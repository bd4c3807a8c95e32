"""Fixtures of the monitoring tests. One project per test process holds the runs they all read
(each test registers under its own model name); the real `mlflow server` fixture is shared with
tests/test_runs.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.monitoring.support import log_model
from tests.support import copy_examples
from tests.tracking.test_runs import mlflow_server


@pytest.fixture(scope="session")
def monitored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """SPEC ML-001's data with a strong (logistic) and a weak (1-nearest-neighbour) model fitted on
    the
    SPEC's seeded split, both with a passed gate verdict, and the weak one again without a
    verdict."""
    project = copy_examples(tmp_path_factory.mktemp("monitored") / "project")
    return {
        "project": project,
        "strong": log_model(project, "logistic_regression", gates=True),
        "weak": log_model(project, "knn", {"n_neighbors": 1}, gates=True),
        "ungated": log_model(project, "knn", {"n_neighbors": 1}),
    }


__all__ = ["mlflow_server", "monitored"]
