"""The RED -> GREEN -> REFACTOR phases of a SPEC, each proven by running pytest.

RED renders the model tests and proves every one of them fails because the pipeline does not
exist (the pipeline package is hidden from the test run, so a re-run proves it too). GREEN
renders the pipeline with the registry's first estimator, trains and saves it, and runs the
tests. REFACTOR renders cross-validated model selection, re-renders the pipeline with the winner,
trains, and runs the same tests again. Thresholds and tests are never touched after RED.

Each phase is a `Capability` (`ml/tdd/capabilities.py`) the tools run on the lifecycle driver;
`red` and `green` here run its steps in turn in the caller's process (the CLI, tests).
"""

from __future__ import annotations

from typing import Any

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tdd.judge import Gate
from mcp_server.ml.tdd.rendering import check_family, load, pipeline_files, render
from mcp_server.ml.tdd.results import PhaseResult, red_problems
from mcp_server.ml.tdd.spec_data import SpecData

__all__ = [
    "Gate",
    "PhaseResult",
    "check_family",
    "green",
    "load",
    "pipeline_files",
    "red",
    "red_problems",
    "render",
]


def red(workspace: Workspace, prep: SpecData, overwrite: bool = False) -> PhaseResult:
    """RED in this process (the tool runs it on the lifecycle driver)."""
    from mcp_server.ml.tdd.capabilities import RED, inline
    from mcp_server.ml.tdd.requests import PhaseRequest

    request = PhaseRequest(None, {}, prep.package, overwrite, prep=prep)
    return inline(RED, workspace, request)


def green(
    workspace: Workspace,
    prep: SpecData,
    model: str | None = None,
    overwrite: bool = False,
    params: dict[str, Any] | None = None,
) -> PhaseResult:
    """GREEN: the pipeline of `model` (default: the kind's first choice) with the family's
    defaults, or `params` over them (a fine-tuning family's `checkpoint`), rendered into the
    pipeline's MODEL_PARAMS as `ml_train` takes them, written, trained and tested."""
    from mcp_server.ml.tdd.capabilities import GREEN, inline
    from mcp_server.ml.tdd.requests import PhaseRequest

    request = PhaseRequest(None, {}, prep.package, overwrite, model, params, prep=prep)
    return inline(GREEN, workspace, request)
