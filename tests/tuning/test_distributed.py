"""Distributed tuning on a real PostgreSQL: `ml_tune` plus two `moai-ml tune-worker` processes on one
study, one worker SIGKILLed mid-trial; and the MLflow tracking server on a PostgreSQL backend store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import pytest

from tests.support import copy_examples, free_port, running
from tests.train_support import call, client_with_env
from tests.tuning.postgres import postgres

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.slow,
    pytest.mark.xdist_group("test_tune_pg"),
    # Not passing yet (issue 11, point 4): PostgreSQL, the MLflow server on it, the tool and both workers
    # start, but the poll never sees the second worker's trial RUNNING, so the SIGKILL step times out.
    pytest.mark.skip(reason="work in progress: the worker-kill step does not see the worker's running trial yet"),
]
STUDY = "shared-study"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _study(url: str) -> Any:
    import optuna

    return optuna.load_study(study_name=STUDY, storage=url)


def _wait(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = check()
        except KeyError:  # the study does not exist yet
            found = None
        if found:
            return found
        time.sleep(0.2)
    raise TimeoutError(f"{what} did not happen within {timeout} s")


def _worker(url: str, project: Path) -> subprocess.Popen[str]:
    cli = Path(sys.executable).parent / "moai-ml"
    return subprocess.Popen([str(cli), "tune-worker", "--study", STUDY, "--storage", url], cwd=project,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})  # fmt: skip


def _running_trial_of(study: Any, pid: int) -> Any:
    import optuna

    running = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
    return next((t for t in running if str(t.user_attrs.get("worker", "")).endswith(f":{pid}")), None)


async def test_the_tool_and_two_workers_share_a_postgresql_study_and_a_killed_workers_trial_is_retried(tmp_path):
    import optuna
    import psycopg
    from optuna.storages import RetryFailedTrialCallback

    project = copy_examples(tmp_path / "project")
    with postgres("optuna", "mlflow") as port:
        url = f"postgresql://postgres@127.0.0.1:{port}/optuna"
        optuna_url = url.replace("postgresql://", "postgresql+psycopg://")
        mlflow_port = free_port()
        backend = optuna_url.replace("/optuna", "/mlflow")
        server = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", backend, "--artifacts-destination",
                  str(tmp_path / "artifacts"), "--host", "127.0.0.1",
                  "--port", str(mlflow_port), "--workers", "1"]  # fmt: skip
        with running(server, tmp_path, f"http://127.0.0.1:{mlflow_port}/health", timeout=240):
            async with client_with_env(project, MLFLOW_TRACKING_URI=f"http://127.0.0.1:{mlflow_port}") as client:
                result: dict[str, Any] = {}

                async def tune() -> None:
                    result.update(await call(client, "ml_tune", data_path="data/customers.csv", target="segment",
                                             strategy="optuna", models=["random_forest", "extra_trees"], cv_folds=3,
                                             time_budget_s=90, storage=url, study_name=STUDY))  # fmt: skip
                    result["returned_at"] = time.time()

                async with anyio.create_task_group() as group:
                    group.start_soon(tune)
                    await anyio.to_thread.run_sync(
                        lambda: _wait(lambda: _study(optuna_url).user_attrs.get("moai.config"), 180, "the study")
                    )
                    workers = [_worker(url, project), _worker(url, project)]
                    shared = _study(optuna_url)  # one connection pool for the polling below
                    try:
                        victim = await anyio.to_thread.run_sync(
                            lambda: _wait(lambda: _running_trial_of(shared, workers[1].pid), 150, "a worker trial")
                        )
                    except TimeoutError:
                        for w in workers:
                            w.kill()
                        raise AssertionError([w.communicate()[1][-1500:] for w in workers]) from None
                    workers[1].send_signal(signal.SIGKILL)
                reports = [json.loads(workers[0].communicate(timeout=180)[0].strip().splitlines()[-1])]
                workers[1].wait(timeout=10)
                run = await call(client, "ml_get_run", run_id=result["run_id"])
        study = optuna.load_study(study_name=STUDY, storage=optuna_url)
        trials = study.trials
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/mlflow") as conn:
            stored = [row[0] for row in conn.execute("SELECT run_uuid FROM runs")]

    numbers = [t.number for t in trials]
    assert numbers == list(range(len(trials)))  # no duplicate or missing trial numbers
    killed = next(t for t in trials if t.number == victim.number)
    assert killed.state == optuna.trial.TrialState.FAIL  # the heartbeat of the dead worker stopped
    assert any(RetryFailedTrialCallback.retried_trial_number(t) == victim.number for t in trials)
    by_worker: dict[str, int] = {}
    for t in trials:
        by_worker[str(t.user_attrs.get("worker", "queued"))] = by_worker.get(str(t.user_attrs.get("worker")), 0) + 1
    assert len([w for w in by_worker if w not in ("queued", "None")]) == 3  # the tool and both workers ran trials
    assert sum(by_worker.values()) == len(trials)
    assert reports[0]["trials"] == by_worker[reports[0]["worker"]]
    states = {s: sum(1 for t in trials if t.state.name == s) for s in ("COMPLETE", "PRUNED", "FAIL", "WAITING")}
    assert sum(states.values()) == len(trials)
    assert reports[0]["best_trial"] == study.best_trial.number  # the worker saw the same best trial
    before = [
        t for t in trials if t.state.name == "COMPLETE" and t.datetime_complete.timestamp() <= result["returned_at"]
    ]
    best_then = max(before, key=lambda t: t.value)  # f1_macro: higher is better
    assert result["leaderboard"][0]["number"] == best_then.number and result["best_cv"] == pytest.approx(
        best_then.value
    )
    assert result["storage"].startswith("postgresql://") and run["tags"]["moai.study"] == STUDY
    assert result["run_id"] in stored  # the run lives in the MLflow server's PostgreSQL store
