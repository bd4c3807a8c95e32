from __future__ import annotations

import pytest

from mcp_server.processes.child import run_job
from tests.jobs_support import echo


@pytest.fixture
async def warm_jobs() -> None:
    """This test process's job forkserver started, its ML libraries imported, before a test whose
    search budget must not pay for it: a cold start took 20+ s of a budget on a loaded machine,
    so such tests had to give the search 40 s of CPU-bound trials to leave it a few."""
    assert await run_job(echo, {"sleep": 0}, budget_s=600, what="warming") == {"sleep": 0}
