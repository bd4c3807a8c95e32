"""Run records of fitted models: what every tool that records a model puts on its run.

`fitted_record` stages an in-memory model (`artifacts.stage_fitted`) and describes the run:
the model's tags (registry name, task, target, features), the table's tags (path, sha256,
rows, columns) and the caller's own. `RunStore.record` then writes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.ml.tracking import tags
from mcp_server.ml.tracking.artifacts import stage_fitted
from mcp_server.ml.tracking.store import RunRecord

if TYPE_CHECKING:
    from mcp_server.ml.data.schema import Schema
    from mcp_server.ml.tracking.verdict import Verdict


def model_tags(model_name: str, schema: Schema) -> dict[str, Any]:
    return {
        tags.MODEL: model_name,
        tags.TASK: schema.task,
        tags.TARGET: schema.target,
        tags.N_FEATURES: len(schema.features),
    }


def data_tags(
    path: Path,
    shown: str,
    *,
    sha256: str | None = None,
    rows: int | None = None,
    columns: int | None = None,
) -> dict[str, Any]:
    """The table a run was made from: its path as the caller sees it, content hash and shape."""
    if sha256 is None or rows is None or columns is None:
        from mcp_server.ml.data.tables import file_sha256, load_table

        frame = load_table(path)
        sha256, rows, columns = file_sha256(path), len(frame), int(frame.shape[1])
    return {tags.DATA_PATH: shown, tags.DATA_SHA256: sha256, tags.ROWS: rows, tags.COLUMNS: columns}


def fitted_record(
    folder: Path,
    *,
    experiment: str,
    run_name: str,
    kind: str,
    model: Any,
    schema: Schema,
    model_name: str,
    params: dict[str, Any],
    metrics: Mapping[str, float | None],
    extra_tags: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    input_example: Any = None,
    parent_run_id: str | None = None,
    verdict: Verdict | None = None,
) -> RunRecord:
    """A fitted in-memory model as a run, its files staged under `folder` (keep it until
    recorded)."""
    staged = stage_fitted(folder, model, schema, model_name, input_example)
    return RunRecord(
        experiment=experiment,
        run_name=run_name,
        kind=kind,
        params=params,
        metrics=dict(metrics),
        tags={**model_tags(model_name, schema), **(data or {}), **(extra_tags or {})},
        artifacts=staged.artifacts,
        model_dir=staged.model_dir,
        model_params=staged.model_params,
        parent_run_id=parent_run_id,
        verdict=verdict,
    )
