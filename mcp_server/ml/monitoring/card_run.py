"""`ml_model_card` as a capability: prepare in the server (a `models:/` reference resolved, the
model's signature and the card's folder checked before any job), the card in a job process
(`card_job`: holdout scoring, bootstrap intervals, the plots, Markdown and HTML) and the record
step (its files written, a person's edits kept; no run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mcp_server.ml.capability import Call, Plan, Recorded
from mcp_server.ml.monitoring.requests import CardArgs

if TYPE_CHECKING:
    from collections.abc import Callable

    from mcp_server.ml.tracking.verdict import Verdict

BUDGET_S = 3600.0
STEPS = 2  # the evidence and its plots, the card's rendering


@dataclass(frozen=True)
class CardJob:
    root: str
    ref: str  # as the caller named it: the card says so when it is not the run id
    run_id: str
    scratch: str


@dataclass(frozen=True)
class Drawn:
    """What the job made: the card's headline figures and its files' contents."""

    run_id: str
    title: str
    gates_passed: bool | None
    drift: str
    metrics: dict[str, float | None]
    markdown: str
    html: str
    images: dict[str, bytes] = field(default_factory=dict)


@dataclass
class Carding:
    """Where the card goes, and what record wrote (for the answer)."""

    base: str  # relative to the workspace


def prepare_card(call: Call[CardArgs]) -> Plan:
    from mcp_server.core import layout
    from mcp_server.ml.export.export_run import signed_model
    from mcp_server.ml.tracking.model_registry import resolve_run_id
    from mcp_server.ml.tracking.runs import get_store

    args, store = call.request, get_store(call.workspace)
    run_id = resolve_run_id(store, args.run_id)
    store.get_run(run_id)  # an unknown run is refused here
    signed_model(store.moai_dir(run_id), run_id, trusted=False)
    base = args.output_dir or (layout.CARDS / run_id).as_posix()
    # Where the card goes, checked as `record_card` will write it, before the job spends seconds
    # scoring and plotting: outside the workspace, a file in the folder's place, too deep.
    call.workspace.check_writes([f"{base}/model_card.md", f"{base}/report.html"])
    job = CardJob(str(call.workspace.root), args.run_id, run_id, str(call.folder))
    return Plan(job, BUDGET_S, STEPS + 1, "the model card", Carding(base))


def card_job(job: CardJob, progress: Callable[..., None]) -> Drawn:
    """In the job process: the evidence, the intervals and the plots, then Markdown and HTML."""
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.monitoring.card import build_card
    from mcp_server.ml.monitoring.card_render import to_html, to_markdown
    from mcp_server.ml.monitoring.spec_info import spec_reader
    from mcp_server.ml.tracking.runs import get_store

    workspace = Workspace(job.root)
    progress(0, "scoring the holdout and drawing the plots")
    card = build_card(get_store(workspace), job.ref, Path(job.scratch), spec_reader(workspace))
    progress(1, "writing the card")
    return Drawn(
        card.run_id,
        card.title,
        card.gates_passed,
        card.drift,
        card.metrics,
        to_markdown(card),
        to_html(card),
        dict(card.images),
    )


def record_card(call: Call[CardArgs], outcome: Drawn, verdict: Verdict | None) -> Recorded:
    """The card's files into its folder; no run is written."""
    facts: Carding = call.facts
    base = facts.base
    files: dict[str, bytes | str] = {
        f"{base}/model_card.md": outcome.markdown,
        f"{base}/report.html": outcome.html,
    }
    files.update({f"{base}/{name}": data for name, data in outcome.images.items()})
    return Recorded(written=call.workspace.write_files(files, overwrite=call.request.overwrite))
