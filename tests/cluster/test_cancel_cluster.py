"""A cluster job stopped mid-fit leaves the cluster usable, each on a cluster of its own (a real
`dask scheduler` and two `dask worker` processes, never the shared `dask_cluster`: a stop that
strands a fit on a worker would stall every test after it): a background `ml_tune` cancelled
while a booster fits on the workers records nothing, and an `ml_train` on the same workers right
after finishes in normal time; a fit stranded by a job killed outright is named in one line by
the next call instead of holding it."""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest

from mcp_server.core import settings
from tests.cluster.test_train_cluster import partitioned
from tests.cluster.test_tune_cluster import TUNE
from tests.support import error_text, inprocess_client, structured

pytestmark = [pytest.mark.anyio]
# an ml_train of these 2,000 rows on two workers takes seconds; before the stop hook, the fit a
# cancel stranded held a worker for LightGBM's default network time_out (120 min)
TRAIN_AFTER_S = 180
IDLE_S = 60  # the fit in flight at the cancel ends within seconds of its peer's part starting
TRAIN = {"data_path": "data/parts", "target": "label", "model": "lightgbm"}


def fits_running(address: str) -> int:
    """Collective fit tasks (LightGBM's `_train_part`, XGBoost's `dispatched_train`) the
    scheduler has processing on a worker now."""
    from distributed import Client

    from mcp_server.ml.cluster.release import is_collective

    def count(dask_scheduler: Any) -> int:
        return sum(
            1
            for key, task in dask_scheduler.tasks.items()
            if is_collective(key) and task.state == "processing"
        )

    with Client(address, timeout=60) as client:
        found: int = client.run_on_scheduler(count)
    return found


@pytest.mark.slow
async def test_a_cluster_tune_cancelled_mid_fit_records_nothing_and_the_workers_train_next(
    tmp_path, monkeypatch
):
    """The cancel lands as a fit's part has started on one worker and its peer's part waits for
    the other worker's thread (held here by a task of another client, as another user's work
    would): before the stop hook, the peer's part was dropped with the job's client and the
    started part waited for it (LightGBM: connects retried for minutes, then its 120 min
    time_out; XGBoost: a tracker without timeout), holding its worker from the next call."""
    from tests.cluster_support import dask_processes

    partitioned(tmp_path, rows=2000)
    with dask_processes(tmp_path / "dask") as cluster:
        address = cluster.scheduler_address
        monkeypatch.setenv(settings.CLUSTER.name, address)
        async with inprocess_client(tmp_path) as client:
            cancel_s, runs = await _cancel_mid_fit(client, address)
            idle_s = await anyio.to_thread.run_sync(seconds_until_idle, address, IDLE_S)
            with anyio.fail_after(TRAIN_AFTER_S):
                trained = await client.call_tool("ml_train", TRAIN)
    # the job stops at once (its stop hook, then its process group killed); 60 s under load
    assert cancel_s < 60 and runs == 0
    # the fit's parts met and ended; a stranded part runs on for minutes (LightGBM retries its
    # peer ~2 min, then waits out its time_out)
    assert idle_s < IDLE_S, "a fit part of the cancelled job still runs on a worker"
    assert not trained.is_error, error_text(trained)
    assert structured(trained)["ran_on"].startswith(address)


async def _cancel_mid_fit(client: Any, address: str) -> tuple[float, int]:
    """Start a long `ml_tune` as a job; once its folds are on both workers, hold worker w1's
    thread, cancel the job as a fit's part runs on w0 alone, then free w1: (seconds the cancel
    took, runs left in the store)."""
    args = {**TUNE, "n_trials": 50, "background": True}
    ticket = structured(await client.call_tool("ml_tune", args))
    job = {"job_id": ticket["job_id"]}
    with anyio.fail_after(300):
        status: dict[str, Any] = {}
        while "trial " not in status.get("message", ""):
            await anyio.sleep(0.2)
            status = structured(await client.call_tool("ml_job_status", job))
            assert status["state"] in ("queued", "running"), status
        await anyio.to_thread.run_sync(hold_worker, address, "w1")
        while not await anyio.to_thread.run_sync(fits_executing, address):
            await anyio.sleep(0.1)
    started = time.monotonic()
    cancelled = structured(await client.call_tool("ml_job_cancel", job))
    cancel_s = time.monotonic() - started
    await anyio.to_thread.run_sync(free_worker, address)
    assert cancelled["state"] == "cancelled", cancelled
    runs = structured(await client.call_tool("ml_list_runs", {}))
    return cancel_s, int(runs["count"])


def hold_worker(address: str, name: str) -> None:
    """Worker `name`'s one thread busy until `free_worker` (at most two minutes)."""
    from distributed import Client, fire_and_forget

    def held() -> None:
        from distributed import Event

        Event("moai-hold").wait(timeout=120)

    with Client(address, timeout=60) as other:
        worker = next(
            addr for addr, info in other.scheduler_info()["workers"].items() if info["name"] == name
        )
        fire_and_forget(other.submit(held, workers=[worker], allow_other_workers=False, pure=False))


def free_worker(address: str) -> None:
    from distributed import Client, Event

    with Client(address, timeout=60):
        Event("moai-hold").set()


def seconds_until_idle(address: str, limit: float) -> float:
    """Seconds until no worker executes a fit part (`limit` when one still does then)."""
    started = time.monotonic()
    while fits_executing(address):
        if time.monotonic() - started >= limit:
            return limit
        time.sleep(0.5)
    return time.monotonic() - started


RUNNING = ("executing", "long-running", "cancelled", "resumed")  # cancelled: run on for nobody


def fits_executing(address: str) -> int:
    """Collective fit parts a worker executes now, wanted or not."""
    from distributed import Client

    from mcp_server.ml.cluster.release import is_collective

    def executing(dask_worker: Any) -> int:
        tasks = dask_worker.state.tasks.values()
        return sum(1 for t in tasks if t.state in RUNNING and is_collective(t.key))

    with Client(address, timeout=60) as client:
        found: dict[str, int] = client.run(executing)
    return sum(found.values())


@pytest.mark.slow
async def test_a_fit_stranded_on_a_worker_is_named_by_the_next_call_which_trains_once_it_ends(
    tmp_path, monkeypatch
):
    """A job killed outright (no stop hook: out of memory) leaves its started fit part running
    for nobody; planted here as a task of a fit's key prefix whose client went away."""
    from tests.cluster_support import dask_processes

    partitioned(tmp_path, rows=2000)
    with dask_processes(tmp_path / "dask") as cluster:
        address = cluster.scheduler_address
        monkeypatch.setenv(settings.CLUSTER.name, address)
        await anyio.to_thread.run_sync(strand_a_fit, address)
        async with inprocess_client(tmp_path) as client:
            refused = await client.call_tool("ml_train", TRAIN)
            await anyio.to_thread.run_sync(let_it_end, address)
            with anyio.fail_after(TRAIN_AFTER_S):
                trained = await client.call_tool("ml_train", TRAIN)
    message = error_text(refused)
    assert refused.is_error and "\n" not in message.strip()
    assert "still run a booster fit of a stopped job" in message
    assert "restart them" in message and settings.CLUSTER_TIMEOUT_S.name in message
    assert not trained.is_error, error_text(trained)


def strand_a_fit(address: str) -> None:
    """A fit part waiting for a peer that never comes, on a worker, wanted by no client."""
    from distributed import Client

    def waits_for_its_peer() -> None:
        from distributed import Event

        Event("moai-peer").wait(timeout=300)

    with Client(address, timeout=60) as gone:
        part = gone.submit(waits_for_its_peer, key="_train_part-stranded", pure=False)
        deadline = time.monotonic() + 60
        while not fits_running(address):
            assert time.monotonic() < deadline, "the planted fit part never started"
            time.sleep(0.1)
        del part  # its client goes next: the part runs on for nobody


def let_it_end(address: str) -> None:
    from distributed import Client, Event

    with Client(address, timeout=60):
        Event("moai-peer").set()
