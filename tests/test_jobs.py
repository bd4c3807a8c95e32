"""Jobs run a function object in a killable child process; its errors come back as themselves."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from mcp_server.core.errors import MoaiMlError
from mcp_server.processes.child import PRELOAD, Job, run_job

pytestmark = pytest.mark.anyio


class QuotaError(MoaiMlError):
    """An error class defined outside mcp_server/core/errors.py."""


class Unpicklable(MoaiMlError):
    def __init__(self, message: str, handle: Any) -> None:
        super().__init__(message)
        self.handle = handle


def double(payload: int, progress: Any) -> int:
    progress(1, "doubling", {"seen": payload})
    return payload * 2


def over_quota(payload: Any, progress: Any) -> None:
    raise QuotaError(f"quota of {payload} used up; ask for more")


def holds_a_lock(payload: Any, progress: Any) -> None:
    import threading

    raise Unpicklable("the store is locked; try again", threading.Lock())


async def test_a_function_object_runs_in_a_child_and_its_events_reach_the_caller():
    job = Job("double")
    assert await run_job(double, 21, budget_s=120, job=job) == 42
    assert job.events == [{"seen": 21}] and job.phase == "doubling"


async def test_an_error_class_defined_outside_errors_py_keeps_its_class_and_message():
    with pytest.raises(QuotaError, match="quota of 3 used up"):
        await run_job(over_quota, 3, budget_s=120)


async def test_an_error_that_cannot_be_pickled_arrives_as_a_plain_error_with_its_message():
    with pytest.raises(MoaiMlError, match="the store is locked") as caught:
        await run_job(holds_a_lock, None, budget_s=120)
    assert type(caught.value) is MoaiMlError


def test_every_module_the_forkserver_preloads_exists():
    assert PRELOAD and all(importlib.util.find_spec(name) is not None for name in PRELOAD)


def what_a_job_starts_with(payload: Any, progress: Any) -> dict[str, bool]:
    import sys

    from mlflow.utils import requirements_utils

    return {
        "MLflow's package map": requirements_utils._MODULES_TO_PACKAGES is not None,
        "mlflow.pyfunc": "mlflow.pyfunc" in sys.modules,
        "the training plots": "mcp_server.ml.fitting.plots" in sys.modules,
        "the model's files": "mcp_server.ml.tracking.artifacts" in sys.modules,
    }


async def test_a_job_starts_with_what_every_training_job_needs_already_loaded_and_made():
    # Why: a job is forked from the forkserver, so whatever the forkserver has not done, every
    # job does again: MLflow's map of installed packages alone is 0.45 s of CPU per ml_train.
    started_with = await run_job(what_a_job_starts_with, None, budget_s=120)
    assert started_with == dict.fromkeys(started_with, True) and len(started_with) == 4
