"""`ml_train`: fit one model on a table and record it as an MLflow run."""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, Field

from mcp_server.core.names import Task as TaskName
from mcp_server.files.workspace import Workspace
from mcp_server.ml.capability import Call, Capability, Recorded
from mcp_server.ml.fitting.requests import TrainArgs
from mcp_server.ml.fitting.train_run import (
    data_relative,
    prepare_training,
    record_training,
    recorded,
)
from mcp_server.ml.fitting.training import TrainOutcome, train_job
from mcp_server.ml.modeling import catalog
from mcp_server.ml.tracking.verdict import Verdict
from mcp_server.tools._background import long_running
from mcp_server.tools._common import CREATES_RUNS, run_store
from mcp_server.tools._estimates import train_estimate
from mcp_server.tools._lifecycle import drive, judge_against_spec
from mcp_server.tools._next import after_fit
from mcp_server.tools.args import (
    DataKindName,
    DataPath,
    Drop,
    Experiment,
    Family,
    KindOptions,
    RejectedReason,
    Seed,
    SpecId,
    StopAfter,
    Target,
    Task,
)

MAX_LABELS = 50
MAX_MATRIX = 10
MAX_DROPPED = 30

Model = Annotated[
    Family,
    Field(
        description=f"Family: {','.join(catalog.names())}; 'auto': one for the task, size",
    ),
]
Params = Annotated[
    dict[str, Any] | None,
    Field(description='Estimator keyword arguments, e.g. {"n_estimators": 300}'),
]
TestSize = Annotated[
    float, Field(ge=0.05, le=0.5, description="Holdout share (stratified for classes)")
]
Trackers = Annotated[
    list[Literal["wandb"]],
    Field(max_length=1, description="Also mirror the run (MLflow always) to: wandb"),
]


class TrainResult(BaseModel):
    run_id: str = Field(description="MLflow run id; pass it to ml_evaluate, ml_get_run, ml_export")
    experiment: str = Field(description="MLflow experiment the run belongs to")
    model: str = Field(description="Registry name of the fitted model")
    task: TaskName = Field(description="Task of the fit")
    data_path: str = Field(description="The table trained on, relative to the workspace")
    rows: int = Field(description="Rows in the table")
    train_rows: int = Field(description="Rows the model was fitted on")
    test_rows: int = Field(description="Rows of the holdout the metrics are computed on")
    n_features: int = Field(description="Input columns the model uses")
    primary_metric: str = Field(
        description="The task's headline metric (roc_auc, f1_macro or rmse)"
    )
    primary_value: float | None = Field(description="Its holdout value")
    metrics: dict[str, float | None] = Field(description="Holdout metrics (None where undefined)")
    confusion_matrix: list[list[int]] | None = Field(
        description="Holdout confusion matrix, rows = true class, columns = predicted (up to 10 "
        "classes)"
    )
    labels: list[str] = Field(description="Class labels in code order (classification), up to 50")
    fit_time_s: float = Field(description="Wall time of the fit, seconds")
    ran_on: str = Field(description="local, or the Dask cluster: workers, dashboard")
    latency_ms: float = Field(description="Median time of a one-row prediction, milliseconds")
    model_size_mb: float = Field(description="Size of the serialized model, MiB")
    dropped: dict[str, str] = Field(
        description="Columns not used as features, with the reason (up to 30)"
    )
    warnings: list[str] = Field(description="Things to know about the data or the fit")
    model_uri: str = Field(description="MLflow URI of the logged model (models:/<model_id>)")
    artifacts: str = Field(
        description="Where the run's artifacts (plots, schema, split) are stored"
    )
    gates_passed: bool | None = Field(
        description="Met the SPEC's gates (spec_id with a SPEC file); null: no gates"
    )
    rejected_reason: RejectedReason
    evidence: dict[str, Any] = Field(
        description="interval_95 of every metric (holdout < 1,000 rows), baseline and its "
        "baseline_metrics, threshold"
    )
    next_step: str = Field(description="The call to make next")


def _judge(call: Call[TrainArgs], outcome: TrainOutcome) -> Verdict:
    return judge_against_spec(
        call.workspace,
        call.request.spec_id,
        outcome.metrics,
        outcome.model_size_mb,
        outcome.latency_ms,
    )


def _answer(call: Call[TrainArgs], outcome: TrainOutcome, saved: Recorded) -> TrainResult:
    from mcp_server.ml.modeling.metrics import PRIMARY

    workspace, run_id = call.workspace, saved.run_ids[0]
    run = recorded(workspace, run_store(workspace), saved.written)
    verdict = run.verdict
    primary = PRIMARY[outcome.task]
    matrix = (
        outcome.confusion if outcome.confusion and len(outcome.confusion) <= MAX_MATRIX else None
    )
    return TrainResult(
        run_id=run_id,
        experiment=run.experiment,
        model=outcome.model,
        task=cast(TaskName, outcome.task),
        data_path=data_relative(call),
        rows=outcome.rows,
        train_rows=outcome.train_rows,
        test_rows=outcome.test_rows,
        n_features=len(outcome.schema["features"]),
        primary_metric=primary,
        primary_value=outcome.metrics.get(primary),
        metrics=outcome.metrics,
        confusion_matrix=matrix,
        labels=outcome.labels[:MAX_LABELS],
        fit_time_s=outcome.fit_time_s,
        ran_on=outcome.ran_on,
        latency_ms=outcome.latency_ms,
        model_size_mb=outcome.model_size_mb,
        dropped=dict(list(outcome.schema["dropped"].items())[:MAX_DROPPED]),
        warnings=outcome.warnings,
        model_uri=run.model_uri,
        artifacts=run.artifacts,
        gates_passed=verdict.gates_passed,
        rejected_reason=verdict.reason,
        evidence=outcome.evidence,
        next_step=after_fit(run_id, verdict, call.request.spec_id),
    )


TRAINING = Capability(
    name="training",
    prepare=prepare_training,
    execute=train_job,
    judge=_judge,
    record=record_training,
    answer=_answer,
)


def register(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=CREATES_RUNS, title="Train a model")
    @long_running(workspace, estimate=train_estimate)
    async def ml_train(
        data_path: DataPath,
        target: Target,
        model: Model = "auto",
        params: Params = None,
        task: Task = "auto",
        test_size: TestSize = 0.2,
        seed: Seed = 42,
        time_budget_s: StopAfter = 1800,
        drop: Drop = [],  # noqa: B006 - pydantic copies defaults
        spec_id: SpecId = None,
        experiment: Experiment = None,
        trackers: Trackers = [],  # noqa: B006 - pydantic copies defaults
        kind: DataKindName = None,
        kind_options: KindOptions = None,
        ctx: Context | None = None,
    ) -> TrainResult:
        """Fit one model on a table and record it as an MLflow run. The table is profiled,
        identifier, constant and leaking columns are dropped, the rest is preprocessed inside one
        scikit-learn Pipeline (impute, scale where the model needs it, one-hot, date parts, tf-idf),
        split into a stratified holdout, fitted and scored. Returns the run_id, holdout metrics, fit
        time, one-row latency and model size. Long fits send progress; past time_budget_s the fit is
        stopped with an error; a cancelled or failed fit records nothing. Next: ml_evaluate(run_id)
        for plots and CV, ml_compare_models to pick a model."""
        args = TrainArgs(
            data_path=data_path,
            target=target,
            model=model,
            params=params or {},
            task=task,
            test_size=test_size,
            seed=seed,
            time_budget_s=time_budget_s,
            drop=list(drop),
            spec_id=spec_id,
            experiment=experiment,
            trackers=tuple(trackers),
            kind=kind,
            kind_options=dict(kind_options or {}),
        )
        return await drive(TRAINING, workspace, args, ctx)
