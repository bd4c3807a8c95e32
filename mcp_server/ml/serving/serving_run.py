"""`ml_generate_serving` as a capability: prepare in the server (`generate.plan_service`: the run
admitted by its verdict, the runtime chosen and checked against its kind of data, the model's
signature and the output folder, refused before any job), the rendering in a job process
(`serving_job`: the model loaded, the ONNX conversion and its parity proof the default runtime
rests on, a TorchServe archive or a SavedModel built) and the record step (the override on the
existing run, the files written; no new run)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mcp_server.ml.capability import Call, Plan, Recorded
from mcp_server.ml.serving.generate import ServiceFiles, ServicePlan
from mcp_server.ml.serving.requests import ServingArgs

if TYPE_CHECKING:
    from collections.abc import Callable

    from mcp_server.ml.tracking.verdict import Verdict
    from mcp_server.ml.tracking.view import RunView

BUDGET_S = 3600.0
STEPS = 2  # loading the model, rendering the service


@dataclass
class Serving:
    """What prepare learned (the run and its verdict), and what record wrote, for the answer."""

    plan: ServicePlan
    run: RunView
    verdict: Verdict


def prepare_serving(call: Call[ServingArgs]) -> Plan:
    from mcp_server.ml.serving.generate import plan_service

    args = call.request
    plan, run, verdict = plan_service(
        call.workspace,
        args.run_id,
        args.output_dir,
        args.runtime,
        args.trusted,
        args.allow_failed_gates,
    )
    return Plan(plan, BUDGET_S, STEPS + 1, "the service", Serving(plan, run, verdict))


def serving_job(plan: ServicePlan, progress: Callable[..., None]) -> ServiceFiles:
    """In the job process: the service's files rendered (`generate.render_files`)."""
    from mcp_server.ml.serving.generate import render_files

    return render_files(plan, progress)


def record_serving(
    call: Call[ServingArgs], outcome: ServiceFiles, verdict: Verdict | None
) -> Recorded:
    """The override on the run and the service's files; no run is created."""
    from mcp_server.ml.serving.generate import write_service

    facts: Serving = call.facts
    return Recorded(
        written=write_service(
            call.workspace, facts.plan, facts.run, facts.verdict, outcome, call.request.overwrite
        )
    )
