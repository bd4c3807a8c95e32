"""`ml_evaluate`: metrics, CV, feature importance and plots for a trained run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, cast

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, ImageContent, TextContent
from pydantic import BaseModel, Field

from mcp_server.core.names import Task as TaskName
from mcp_server.files.workspace import Workspace
from mcp_server.ml.capability import Call, Capability, Recorded
from mcp_server.ml.fitting.evaluate_run import (
    Evaluating,
    prepare_evaluating,
    record_evaluation,
    report_base,
)
from mcp_server.ml.fitting.evaluation import EvaluateOutcome, evaluate_job
from mcp_server.ml.fitting.requests import EvaluateArgs
from mcp_server.tools._background import long_running
from mcp_server.tools._common import CREATES_RUNS
from mcp_server.tools._estimates import evaluate_estimate
from mcp_server.tools._lifecycle import drive
from mcp_server.tools.args import DataKindName, Folds, KindOptions, RunRef, StopAfter, Trusted

MAX_MATRIX = 20

EvalData = Annotated[
    str | None,
    Field(
        min_length=1,
        max_length=4096,
        description="A labelled table to evaluate on; default: the run's own holdout rows",
    ),
]
EvalFolds = Annotated[
    Folds | None, Field(description="Also k-fold cross-validate (stratified for classes)")
]


class Importance(BaseModel):
    feature: str = Field(description="Feature (after preprocessing for model importances)")
    value: float = Field(description="Importance value")


class CvScore(BaseModel):
    mean: float | None = Field(description="Mean over folds")
    std: float | None = Field(description="Standard deviation over folds")


class EvaluateResult(BaseModel):
    run_id: str = Field(description="The evaluated run")
    evaluated_on: str = Field(
        description="'holdout' (the run's own test rows) or the table evaluated"
    )
    task: TaskName = Field(description="Task of the model")
    rows: int = Field(description="Rows scored")
    metrics: dict[str, float | None] = Field(
        description="Metrics on those rows (None where undefined)"
    )
    confusion_matrix: list[list[int]] | None = Field(
        description="Rows = true class, columns = predicted"
    )
    labels: list[str] = Field(description="Class labels in code order (classification)")
    cv_folds: int | None = Field(description="Folds of the cross-validation, if one was asked for")
    cv: dict[str, CvScore] | None = Field(
        description="Cross-validated metrics over the whole table"
    )
    importance_method: str | None = Field(
        description="'model' (impurity), '|coefficient|' or 'permutation'"
    )
    top_features: list[Importance] = Field(description="Most important features, up to 10")
    plots: dict[str, str] = Field(
        description="PNG files (confusion matrix, ROC, PR, calibration, residuals, …)"
    )
    report: str = Field(description="JSON file with every number of this evaluation")
    warnings: list[str] = Field(
        description="E.g. evaluation rows the model was trained on (inflated metrics)"
    )
    evidence: dict[str, Any] = Field(
        description="interval_95 per metric (under 1,000 rows), baseline and its baseline_metrics, "
        "threshold"
    )
    next_step: str = Field(description="The call to make next")


def _images(folder: Path, smalls: dict[str, str]) -> list[ImageContent]:
    import base64

    wanted = [n for n in ("confusion_matrix", "roc_curve", "residuals") if n in smalls]
    return [
        ImageContent(
            type="image",
            data=base64.b64encode((folder / "plots" / smalls[n]).read_bytes()).decode(),
            mime_type="image/png",
        )
        for n in wanted
    ]


def _after(call: Call[EvaluateArgs], run_id: str) -> str:
    from mcp_server.tools._next import after_evaluation

    facts: Evaluating = call.facts
    return after_evaluation(run_id, facts.verdict, facts.spec_id)


def _answer(
    call: Call[EvaluateArgs], outcome: EvaluateOutcome, recorded: Recorded
) -> CallToolResult:
    facts: Evaluating = call.facts
    args, base = facts.args, report_base(facts.args.run_id, facts.name)
    result = EvaluateResult(
        run_id=args.run_id,
        evaluated_on=facts.name if args.data_path is None else args.data_path,
        task=cast(TaskName, outcome.task),
        rows=outcome.rows,
        metrics=outcome.metrics,
        confusion_matrix=outcome.confusion
        if outcome.confusion and len(outcome.confusion) <= MAX_MATRIX
        else None,
        labels=outcome.labels[:50],
        cv_folds=args.cv_folds,
        cv={k: CvScore(**v) for k, v in outcome.cv.items()} if outcome.cv else None,
        importance_method=outcome.importance_method,
        top_features=[Importance(feature=f, value=v) for f, v in outcome.importance],
        plots={k: f"{base}/{v}" for k, v in outcome.plots.items()},
        report=f"{base}/evaluation.json",
        warnings=outcome.warnings,
        evidence=outcome.evidence,
        next_step=_after(call, args.run_id),
    )
    text = TextContent(type="text", text=result.model_dump_json())
    return CallToolResult(
        content=[text, *_images(call.folder, outcome.small_plots)],
        structured_content=result.model_dump(mode="json"),
    )


EVALUATION = Capability(
    name="evaluation",
    prepare=prepare_evaluating,
    execute=evaluate_job,
    record=record_evaluation,
    answer=_answer,
    creates_runs=False,  # it adds to the evaluated run
    recording="saving the report",
)


def register(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=CREATES_RUNS, title="Evaluate a trained run")
    @long_running(workspace, estimate=evaluate_estimate)
    async def ml_evaluate(
        run_id: RunRef,
        data_path: EvalData = None,
        cv_folds: EvalFolds = None,
        time_budget_s: StopAfter = 1800,
        trusted: Trusted = False,
        kind: DataKindName = None,
        kind_options: KindOptions = None,
        ctx: Context | None = None,
    ) -> Annotated[CallToolResult, EvaluateResult]:
        """Evaluate a trained run on its holdout rows or on a new labelled table. Classification:
        accuracy, balanced accuracy, precision/recall/F1 (macro, weighted; binary too), ROC-AUC
        (one-vs-rest for multiclass), log loss, confusion matrix. Regression: RMSE, MAE, R², MAPE.
        Optional cv_folds adds k-fold mean ± std over the whole table. Writes PNG plots (confusion
        matrix, ROC and precision-recall curves, calibration, residuals, feature importance —
        permutation importance where the model has none) under .moai/ml/reports/ and onto the run,
        and shows the confusion matrix and ROC (or residual) plots as small images."""
        args = EvaluateArgs(
            run_id=run_id,
            data_path=data_path,
            cv_folds=cv_folds,
            time_budget_s=time_budget_s,
            trusted=trusted,
            kind=kind,
            kind_options=dict(kind_options or {}),
        )
        return await drive(EVALUATION, workspace, args, ctx)
