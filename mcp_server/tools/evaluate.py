"""`ml_evaluate`: metrics, CV, feature importance and plots for a trained run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, ImageContent, TextContent
from pydantic import BaseModel, Field

from mcp_server import layout
from mcp_server.errors import MoaiMlError
from mcp_server.signing import require_signed
from mcp_server.tools._common import (
    CREATES_RUNS,
    RUN_ID,
    record_runs,
    run_domain,
    run_job_tool,
    staging,
    store_dir,
    tracker,
)
from mcp_server.tools.args import Trusted
from mcp_server.workspace import Workspace

MAX_MATRIX = 20


class Importance(BaseModel):
    feature: str = Field(description="Feature (after preprocessing for model importances)")
    value: float = Field(description="Importance value")


class CvScore(BaseModel):
    mean: float | None = Field(description="Mean over folds")
    std: float | None = Field(description="Standard deviation over folds")


class EvaluateResult(BaseModel):
    run_id: str = Field(description="The evaluated run")
    evaluated_on: str = Field(description="'holdout' (the run's own test rows) or the table evaluated")
    task: Literal["binary", "multiclass", "regression"] = Field(description="Task of the model")
    rows: int = Field(description="Rows scored")
    metrics: dict[str, float | None] = Field(description="Metrics on those rows (None where undefined)")
    confusion_matrix: list[list[int]] | None = Field(description="Rows = true class, columns = predicted")
    labels: list[str] = Field(description="Class labels in code order (classification)")
    cv_folds: int | None = Field(description="Folds of the cross-validation, if one was asked for")
    cv: dict[str, CvScore] | None = Field(description="Cross-validated metrics over the whole table")
    importance_method: str | None = Field(description="'model' (impurity), '|coefficient|' or 'permutation'")
    top_features: list[Importance] = Field(description="Most important features, up to 10")
    plots: dict[str, str] = Field(description="PNG files (confusion matrix, ROC, PR, calibration, residuals, …)")
    report: str = Field(description="JSON file with every number of this evaluation")


def _eval_name(data_path: str | None, sha: str | None) -> str:
    if data_path is None:
        return "holdout"
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in Path(data_path).stem)[:40]
    return f"data-{stem}-{(sha or '')[:8]}"


def prepare_request(workspace: Workspace, args: dict[str, Any], folder: Path) -> tuple[Any, Any]:
    """Everything the job needs from the run store, fetched in the server (a worker thread)."""
    from mcp_server.ml.data.tables import check_memory, file_sha256
    from mcp_server.ml.fitting.evaluation import EvaluateRequest

    track = tracker(workspace)
    run = track.get_run(args["run_id"])
    tags = run.data.tags
    moai = track.moai_dir(args["run_id"])
    require_signed(moai / "model.joblib", folder=moai, what=f"run {args['run_id']}'s model", trusted=args["trusted"])
    schema = json.loads((moai / "schema.json").read_text(encoding="utf-8"))
    if args["data_path"] is None:
        trained_on = tags.get("moai.data_path")
        if not trained_on or not workspace.resolve(trained_on).is_file():
            raise MoaiMlError(f"the table the run was trained on ({trained_on!r}) is gone; pass data_path")
        path = workspace.resolve(trained_on)
        try:
            holdout = str(track.artifact_file(run, "split/holdout_index.npy", folder))
        except MoaiMlError as exc:
            raise MoaiMlError(f"run {args['run_id']!r} recorded no holdout split (it was not made by ml_train); "
                              "pass data_path to evaluate it on a labelled table") from exc  # fmt: skip
    else:
        path = workspace.resolve(args["data_path"], must_exist=True)
        holdout = None
    if path.suffix.lower() not in (".parquet", ".pq"):
        check_memory(path)
    sha = file_sha256(path) if args["data_path"] else None
    request = EvaluateRequest(
        model_path=str(moai / "model.joblib"), schema=schema, data_path=str(path), staging=str(folder / "plots"),
        model=tags.get("moai.model", ""), params=json.loads(tags.get("moai.params", "{}") or "{}"),
        holdout_index=holdout, expected_sha256=tags.get("moai.data_sha256"), cv_folds=args["cv_folds"],
        seed=int(tags.get("moai.seed", "42")), plots=True, cache=str(store_dir(workspace, layout.SCHEMA_CACHE)),
        trusted=bool(args.get("trusted", False)),
    )  # fmt: skip
    return request, _eval_name(args["data_path"], sha)


def save(workspace: Workspace, args: dict[str, Any], outcome: Any, folder: Path, name: str) -> list[str]:
    """Plots and the report into the workspace, then onto the run (artifacts, CV metrics)."""
    from mcp_server.ml.tracking.store import TAG

    base = layout.report_dir(args["run_id"], name).as_posix()
    report = {"run_id": args["run_id"], "evaluated_on": name, "rows": outcome.rows, "metrics": outcome.metrics,
              "confusion_matrix": outcome.confusion, "labels": outcome.labels, "cv_folds": args["cv_folds"],
              "cv": outcome.cv, "importance_method": outcome.importance_method,
              "importance": outcome.importance}  # fmt: skip
    files: dict[str, bytes | str] = {f"{base}/{f}": (folder / "plots" / f).read_bytes() for f in outcome.plots.values()}
    files[f"{base}/evaluation.json"] = json.dumps(report, indent=1, default=str)
    workspace.write_files(files)
    track = tracker(workspace)
    upload = workspace.ensure_dir(folder / "upload")
    for rel, content in files.items():
        (upload / Path(rel).name).write_bytes(content if isinstance(content, bytes) else content.encode())
    track.client.log_artifacts(args["run_id"], str(upload), f"evaluations/{name}")
    if outcome.cv:
        for metric, score in outcome.cv.items():
            for stat in ("mean", "std"):
                if score[stat] is not None:
                    track.client.log_metric(args["run_id"], f"cv_{metric}_{stat}", score[stat])
        track.client.set_tag(args["run_id"], f"{TAG}cv_folds", str(args["cv_folds"]))
    return [base]


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


async def evaluate_tool(workspace: Workspace, args: dict[str, Any], ctx: Context | None) -> CallToolResult:
    from mcp_server.ml.fitting.evaluation import EVAL_STEPS, evaluate_job

    with staging(workspace) as folder:
        request, name = await run_domain(prepare_request, workspace, args, folder)
        outcome = await run_job_tool(
            evaluate_job, request, budget_s=args["time_budget_s"],
            ctx=ctx, total=EVAL_STEPS + 1, what="the evaluation")  # fmt: skip
        bases = await record_runs(lambda: save(workspace, args, outcome, folder, name), lambda ids: None)
        images = _images(folder, outcome.small_plots)
    base = bases[0]
    result = EvaluateResult(
        run_id=args["run_id"], evaluated_on=name if args["data_path"] is None else args["data_path"],
        task=outcome.task, rows=outcome.rows, metrics=outcome.metrics,
        confusion_matrix=outcome.confusion if outcome.confusion and len(outcome.confusion) <= MAX_MATRIX else None,
        labels=outcome.labels[:50], cv_folds=args["cv_folds"],
        cv={k: CvScore(**v) for k, v in outcome.cv.items()} if outcome.cv else None,
        importance_method=outcome.importance_method,
        top_features=[Importance(feature=f, value=v) for f, v in outcome.importance],
        plots={k: f"{base}/{v}" for k, v in outcome.plots.items()}, report=f"{base}/evaluation.json",
    )  # fmt: skip
    text = TextContent(type="text", text=result.model_dump_json())
    return CallToolResult(content=[text, *images], structured_content=result.model_dump(mode="json"))


def register(server: MCPServer, workspace: Workspace) -> None:
    @server.tool(annotations=CREATES_RUNS, title="Evaluate a trained run")
    async def ml_evaluate(
        run_id: Annotated[str, Field(pattern=RUN_ID, description="MLflow run id of a trained model (ml_train)")],
        data_path: Annotated[
            str | None,
            Field(
                min_length=1,
                max_length=4096,
                description="A labelled table to evaluate on; default: the run's own holdout rows",
            ),
        ] = None,
        cv_folds: Annotated[
            int | None, Field(ge=2, le=20, description="Also k-fold cross-validate (stratified for classes)")
        ] = None,
        time_budget_s: Annotated[float, Field(gt=0, le=86400, description="Stop with an error after this")] = 1800,
        trusted: Trusted = False,
        ctx: Context | None = None,
    ) -> Annotated[CallToolResult, EvaluateResult]:
        """Evaluate a trained run on its holdout rows or on a new labelled table. Classification:
        accuracy, balanced accuracy, precision/recall/F1 (macro, weighted; binary too), ROC-AUC (one-vs-rest
        for multiclass), log loss, confusion matrix. Regression: RMSE, MAE, R², MAPE. Optional cv_folds adds
        k-fold mean ± std over the whole table. Writes PNG plots (confusion matrix, ROC and precision-recall
        curves, calibration, residuals, feature importance — permutation importance where the model has
        none) under .moai/ml/reports/ and onto the run, and shows the confusion matrix and ROC (or residual)
        plots as small images."""
        args = {"run_id": run_id, "data_path": data_path, "cv_folds": cv_folds, "time_budget_s": time_budget_s,
                "trusted": trusted}  # fmt: skip
        return await evaluate_tool(workspace, args, ctx)
