"""One setting picks the engine: unset is the job process, `local-cluster` a LocalCluster sized
to the machine, `tcp://host:port` a running scheduler; a bad name is refused in one line."""

from __future__ import annotations

import time

import pytest

from mcp_server.core import settings
from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.cluster import engine
from tests.support import free_port


def test_without_the_setting_or_an_argument_the_work_runs_in_the_job_process(monkeypatch):
    monkeypatch.delenv(settings.CLUSTER.name, raising=False)
    assert engine.choose(None) == "local"
    with engine.open_engine("local") as (client, where):
        assert client is None and where == engine.Where("local", 1, None)


def test_the_setting_names_the_cluster_and_a_tool_argument_overrides_it(monkeypatch):
    monkeypatch.setenv(settings.CLUSTER.name, "tcp://127.0.0.1:8786")
    assert engine.choose(None) == "tcp://127.0.0.1:8786"
    assert engine.choose("local") == "local"
    assert engine.choose(" local-cluster ") == "local-cluster"
    assert engine.choose("tcp://scheduler.internal:8786") == "tcp://scheduler.internal:8786"


@pytest.mark.parametrize(
    "bad", ["tcp://host", "http://127.0.0.1:8786", "tcp://h:99999", "local cluster", "tcp://:1"]
)
def test_a_name_that_is_no_engine_is_refused_in_one_line_naming_the_fix(bad):
    with pytest.raises(MoaiMlError) as refused:
        engine.choose(bad)
    message = str(refused.value)
    assert "\n" not in message and "local-cluster or tcp://host:port" in message
    assert settings.CLUSTER.name in message


def test_a_local_cluster_is_one_single_threaded_worker_process_per_core(monkeypatch):
    monkeypatch.setenv(settings.MAX_MEMORY_MB.name, "4096")
    options = engine.local_cluster_options()
    cores = engine.machine_workers()
    assert options["processes"] is True and options["threads_per_worker"] == 1
    assert options["n_workers"] == cores and options["memory_limit"] == f"{4096 // cores}MiB"
    assert options["host"] == "127.0.0.1"
    monkeypatch.delenv(settings.MAX_MEMORY_MB.name)
    assert engine.local_cluster_options()["memory_limit"] == "auto"


@pytest.mark.slow
def test_a_scheduler_that_does_not_answer_is_refused_within_the_connect_timeout():
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(MoaiMlError) as refused:
        with engine.open_engine(address):
            pass
    assert time.monotonic() - started < engine.CONNECT_TIMEOUT_S + 10
    message = str(refused.value)
    assert "\n" not in message and f"no Dask scheduler answered at {address}" in message
    assert "dask scheduler" in message


@pytest.mark.slow
def test_a_running_scheduler_reports_its_workers_and_dashboard(dask_cluster):
    with engine.open_engine(dask_cluster.scheduler_address) as (client, where):
        assert client.submit(sum, [1, 2]).result() == 3
    assert where.engine == dask_cluster.scheduler_address and where.workers == 2
    assert where.dashboard is not None and where.dashboard.startswith("http://127.0.0.1:")
