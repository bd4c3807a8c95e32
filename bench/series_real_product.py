"""The product's half of bench/series_real.py: `ml_compare_models` and `ml_tune` with a time
budget through the in-process client, on a series' training part, as a user would call them; the
compare's winner trained by `ml_train` on the whole table (its holdout: the series' last `horizon`
rows), the tune's winner refitted on the training part; both read back from their runs and asked
for the holdout's rows."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pandas as pd

from tests.support import inprocess_client
from tests.train_support import call


def _forecast(project: Path, artifacts: str, rows: pd.DataFrame) -> list[float]:
    """The run's model read back from its artifacts, forecasting `rows` (the holdout's times)."""
    import joblib

    from mcp_server.ml.data.schema import Schema
    from mcp_server.ml.modeling.preprocess import coerce_frame

    folder = project / artifacts / "moai"
    model = joblib.load(folder / "model.joblib")
    schema = Schema.from_dict(json.loads((folder / "schema.json").read_text()))
    frame = rows.assign(y=0.0)
    return [float(v) for v in model.predict(coerce_frame(frame, schema))]


async def _compare_then_train(
    client: Any, project: Path, name: str, options: dict[str, Any], budget: int, rows: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    started = time.perf_counter()
    compared = await call(
        client,
        "ml_compare_models",
        data_path=f"data/{name}_train.csv",
        target="y",
        kind="timeseries",
        kind_options=options,
        time_budget_s=budget,
        background=False,  # a user follows the job with ml_job_status; here: wait
    )
    compare_s = time.perf_counter() - started
    trained = await call(
        client,
        "ml_train",
        data_path=f"data/{name}.csv",
        target="y",
        model=compared["best_model"],
        kind="timeseries",
        kind_options=options,
    )
    assert trained["test_rows"] == len(rows), "ml_train's holdout is not the bench's"
    label = f"product: compare ({compare_s:.0f} s) -> {compared['best_model']}"
    line = {
        "forecast": _forecast(project, trained["artifacts"], rows),
        "seconds": time.perf_counter() - started,
    }
    return compared, {label: line}


async def _tune(
    client: Any, project: Path, name: str, options: dict[str, Any], budget: int, rows: Any
) -> dict[str, Any]:
    started = time.perf_counter()
    tuned = await call(
        client,
        "ml_tune",
        data_path=f"data/{name}_train.csv",
        target="y",
        kind="timeseries",
        kind_options=options,
        time_budget_s=budget,
        background=False,  # a user follows the job with ml_job_status; here: wait
    )
    label = f"product: tune -> {tuned['best_model']} ({tuned['trials_done']} trials)"
    line = {
        "forecast": _forecast(project, tuned["artifacts"], rows),
        "seconds": time.perf_counter() - started,
    }
    return {label: line}


def product_lines(
    project: Path, name: str, horizon: int, budget: int, rows: pd.DataFrame
) -> dict[str, Any]:
    """{"lines": {label: {forecast, seconds}}, "compare": the compare's answer}."""
    import anyio

    options = {"time_column": "ds", "horizon": horizon}

    async def run() -> dict[str, Any]:
        async with inprocess_client(project) as client:
            compared, lines = await _compare_then_train(
                client, project, name, options, budget, rows
            )
            lines |= await _tune(client, project, name, options, budget, rows)
        return {"lines": lines, "compare": compared}

    return dict(anyio.run(run))
