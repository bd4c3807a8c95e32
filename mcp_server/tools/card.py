"""`ml_model_card`: the model card of a run or model version, as Markdown and HTML."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, Field

from mcp_server.core import layout
from mcp_server.files.workspace import Workspace
from mcp_server.ml.capability import Call, Capability, Recorded
from mcp_server.ml.monitoring.card_run import Drawn, card_job, prepare_card, record_card
from mcp_server.ml.monitoring.requests import CardArgs
from mcp_server.tools._common import WRITES_FILES
from mcp_server.tools._lifecycle import drive
from mcp_server.tools.args import RunRef
from mcp_server.tools.monitoring import rounded


class CardResult(BaseModel):
    run_id: str = Field(description="The run the card describes")
    title: str = Field(description="Card title")
    gates_passed: bool | None = Field(
        description="The run's recorded SPEC gate verdict (None = not checked)"
    )
    drift: str = Field(
        description="Latest drift check of this model: drift, no drift, or unchecked"
    )
    metrics: dict[str, float | None] = Field(description="Holdout metrics shown on the card")
    markdown: str = Field(description="The Markdown card (plots beside it as PNG files)")
    html: str = Field(description="The self-contained HTML report (plots inline), opens offline")
    written: list[str] = Field(description="Files written")
    skipped: list[str] = Field(
        description="Files left alone because a person edited them (pass overwrite=true)"
    )
    next_step: str = Field(description="The call to make next")


def _answer(call: Call[CardArgs], card: Drawn, recorded: Recorded) -> CardResult:
    base, done = call.facts.base, recorded.written
    return CardResult(
        run_id=card.run_id,
        title=card.title,
        gates_passed=card.gates_passed,
        drift=card.drift,
        metrics=rounded(card.metrics),
        markdown=f"{base}/model_card.md",
        html=f"{base}/report.html",
        written=done.written,
        skipped=done.skipped,
        next_step=_after_card(card.run_id, done.skipped),
    )


MODEL_CARD = Capability(
    name="model card",
    prepare=prepare_card,
    execute=card_job,
    record=record_card,
    answer=_answer,
    creates_runs=False,  # the card is files; no run is written
    recording="saving the card",
)


def _after_card(run_id: str, skipped: list[str]) -> str:
    if skipped:
        return (
            f"ml_model_card(run_id='{run_id}', overwrite=true) replaces the {len(skipped)} "
            "file(s) a person edited, if that is wanted"
        )
    return (
        f"Done. When new rows arrive: ml_detect_drift with reference='{run_id}' and current= "
        f"their file, and with labels ml_monitor_performance with run_id='{run_id}'"
    )


def register(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=WRITES_FILES, title="Write a model card")
    async def ml_model_card(
        run_id: RunRef,
        output_dir: Annotated[
            str | None,
            Field(
                max_length=4096,
                description=f"Folder for the card; default {layout.CARDS.as_posix()}/<run>",
            ),
        ] = None,
        overwrite: Annotated[bool, Field(description="Replace card files a person edited")] = False,
        ctx: Context | None = None,
    ) -> CardResult:
        """Write a model card for a run or registered model version: model details and registry
        versions, the data (table, hash, rows, features), the SPEC with each gate against its
        holdout value and the recorded verdict, holdout metrics with CV mean ± std, plots (confusion
        matrix and ROC, or residuals), intended use from the SPEC's requirements, limits (training
        ranges, holdout size) and the latest drift check. Writes model_card.md with PNGs beside it
        and report.html, self-contained (plots inline)."""
        return await drive(MODEL_CARD, workspace, CardArgs(run_id, output_dir, overwrite), ctx)
