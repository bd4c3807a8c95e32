"""The REFACTOR phase in the caller's process (the CLI, tests); the tool runs the same steps on
the lifecycle driver (`ml/tdd/refactor_job.py`: selection, the winner tested on a copy of the
project, the previous pipeline kept when the winner breaks a test, tuning of an unmet gate)."""

from __future__ import annotations

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tdd.capabilities import REFACTOR, inline
from mcp_server.ml.tdd.requests import PhaseRequest
from mcp_server.ml.tdd.results import PhaseResult
from mcp_server.ml.tdd.spec_data import SpecData


def refactor(workspace: Workspace, prep: SpecData, overwrite: bool = False) -> PhaseResult:
    request = PhaseRequest(None, {}, prep.package, overwrite, prep=prep)
    return inline(REFACTOR, workspace, request)
