"""A cluster fit's files into the staging folder, as `training._stage` writes a local fit's: the
model's moai files and MLflow model directory, the holdout's rule (a cluster holdout is drawn by
a hash, not stored as positions), the metrics and plots from the holdout's scores."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Staged:
    metrics: dict[str, Any]
    matrix: Any
    plots: dict[str, str]
    latency_ms: float
    size: int
    estimator_params: dict[str, Any]


def stage(req: Any, schema: Any, pipeline: Any, example: Any, scored: Any, split: Any) -> Staged:
    from mcp_server.ml.fitting.holdout_scoring import one_row_latency_ms, score
    from mcp_server.ml.fitting.plots import train_plots
    from mcp_server.ml.modeling.preprocess import coerce_frame
    from mcp_server.ml.tracking import tags
    from mcp_server.ml.tracking.artifacts import simple_params, stage_model, write_moai_dir

    y, pred, proba = scored
    metrics, matrix = score(schema.task, y, pred, proba, len(schema.classes))
    staging = Path(req.staging)
    rule = {**split.describe(), "files": len(req.files), "fingerprint": req.fingerprint}
    (staging / tags.HOLDOUT_RULE).write_text(json.dumps(rule, indent=1), encoding="utf-8")
    write_moai_dir(staging / tags.MOAI_DIR, pipeline, schema)
    size = int(stage_model(pipeline, example, staging / tags.MODEL_DIR, schema, req.model))
    labels = [str(c) for c in schema.classes]
    plots = train_plots(schema.task, y, pred, proba, labels, matrix, staging / tags.PLOTS)
    latency = one_row_latency_ms(pipeline, coerce_frame(example, schema))
    estimator = simple_params(pipeline.named_steps["model"])
    return Staged(metrics, matrix, plots, latency, size, estimator)


__all__ = ["Staged", "stage"]
