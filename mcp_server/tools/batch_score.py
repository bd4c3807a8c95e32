"""`ml_batch_score`: a run's or registered model's predictions over a partitioned dataset."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, Field

from mcp_server.files.workspace import Workspace
from mcp_server.ml.capability import Call, Capability, Recorded
from mcp_server.ml.scoring.job import ScoreOutcome, batch_score_job
from mcp_server.ml.scoring.request import BatchScoreArgs
from mcp_server.ml.scoring.run import (
    Scoring,
    clear_scoring_leftovers,
    prepare_scoring,
    record_scoring,
)
from mcp_server.tools._background import long_running
from mcp_server.tools._common import WRITES_FILES
from mcp_server.tools._lifecycle import drive
from mcp_server.tools.args import AllowFailedGates, Cluster, RunRef, Trusted

Dataset = Annotated[
    str,
    Field(
        min_length=1,
        max_length=4096,
        description="Parquet folder or file, or a CSV glob",
    ),
]
Output = Annotated[
    str | None,
    Field(
        min_length=1,
        max_length=4096,
        description="Output folder (default scores/<data>-<run>); reuse it to resume",
    ),
]
Keep = Annotated[
    list[Annotated[str, Field(max_length=1024)]],
    Field(max_length=100, description="Input columns to copy"),
]


class BatchScoreResult(BaseModel):
    output: str = Field(description="Folder of the scored Parquet partitions")
    model: str = Field(
        description="Its registered version and run: moai_model_version, moai_run_id"
    )
    scored: int = Field(description="Partitions this call scored")
    resumed: int = Field(description="Partitions an earlier call had finished (not redone)")
    rows: int = Field(description="Rows scored in all")
    ran_on: str = Field(
        description="local (the job process) or the Dask cluster (workers, dashboard); rows/s"
    )
    next_step: str = Field(description="What to do next")


def _answer(
    call: Call[BatchScoreArgs], outcome: ScoreOutcome, recorded: Recorded
) -> BatchScoreResult:
    facts: Scoring = call.facts
    speed = outcome.rows_scored / outcome.seconds if outcome.seconds > 0 else 0.0
    return BatchScoreResult(
        output=facts.output,
        model=f"{facts.version}, run {facts.run_id}" if facts.version else f"run {facts.run_id}",
        scored=outcome.scored,
        resumed=outcome.skipped,
        rows=outcome.rows,
        ran_on=f"{outcome.where.describe()}; {speed:,.0f} rows/s",
        next_step=f"read {facts.output}/*.parquet ({', '.join(outcome.columns[:8])}); "
        "ml_detect_drift compares new data with the training table",
    )


BATCH_SCORING = Capability(
    name="batch scoring",
    prepare=prepare_scoring,
    execute=batch_score_job,
    record=record_scoring,
    answer=_answer,
    creates_runs=False,  # the scores are files; nothing is recorded on the run
    recording="writing the answer",
    leftovers=clear_scoring_leftovers,
)


def register(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=WRITES_FILES, title="Score a dataset in batch")
    @long_running(workspace)
    async def ml_batch_score(
        model: RunRef,
        data_path: Dataset,
        output: Output = None,
        keep: Keep = [],  # noqa: B006 - pydantic copies defaults
        cluster: Cluster = None,
        allow_failed_gates: AllowFailedGates = False,
        trusted: Trusted = False,
        ctx: Context | None = None,
    ) -> BatchScoreResult:
        """Score a run or registered model over a partitioned dataset into partitioned Parquet:
        predictions, class probabilities, run id and version; resumes a stopped call."""
        args = BatchScoreArgs(
            model=model,
            data_path=data_path,
            output=output,
            keep=tuple(keep),
            cluster=cluster,
            allow_failed_gates=allow_failed_gates,
            trusted=trusted,
        )
        return await drive(BATCH_SCORING, workspace, args, ctx)
