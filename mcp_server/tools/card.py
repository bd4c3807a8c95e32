"""`ml_model_card`: the model card of a run or model version, as Markdown and HTML."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

from mcp_server.core import layout
from mcp_server.files.workspace import Workspace
from mcp_server.ml.monitoring.spec_info import spec_reader
from mcp_server.tools._common import WRITES_FILES, run_domain, run_store, staging
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


def model_card(workspace: Workspace, args: dict[str, Any]) -> CardResult:
    from mcp_server.ml.monitoring.card import build_card
    from mcp_server.ml.monitoring.card_render import to_html, to_markdown

    with staging(workspace) as folder:
        card = build_card(run_store(workspace), args["run_id"], folder, spec_reader(workspace))
    base = args["output_dir"] or (layout.CARDS / card.run_id).as_posix()
    workspace.resolve(base)  # containment check before anything is written
    files: dict[str, bytes | str] = {
        f"{base}/model_card.md": to_markdown(card),
        f"{base}/report.html": to_html(card),
    }
    files.update({f"{base}/{name}": data for name, data in card.images.items()})
    done = workspace.write_files(files, overwrite=args["overwrite"])
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


def _after_card(run_id: str, skipped: list[str]) -> str:
    if skipped:
        return (
            f"ml_model_card(run_id='{run_id}', overwrite=true) replaces the {len(skipped)} "
            "file(s) a person edited, if that is wanted"
        )
    return (
        f"Done. When new rows arrive: ml_detect_drift(reference='{run_id}', current=<their "
        f"file>), and with labels ml_monitor_performance(run_id='{run_id}', current=<their file>)"
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
    ) -> CardResult:
        """Write a model card for a run or registered model version: model details and registry
        versions, the data (table, hash, rows, features), the SPEC with each gate against its
        holdout value and the recorded verdict, holdout metrics with CV mean ± std, plots (confusion
        matrix and ROC, or residuals), intended use from the SPEC's requirements, limits (training
        ranges, holdout size) and the latest drift check. Writes model_card.md with PNGs beside it
        and report.html, self-contained (plots inline)."""
        args = {"run_id": run_id, "output_dir": output_dir, "overwrite": overwrite}
        return await run_domain(model_card, workspace, args)
