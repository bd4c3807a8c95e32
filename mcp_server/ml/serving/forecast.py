"""Render the FastAPI forecast service of a time-series run from `templates/serving_forecast/`
(its files: that folder's `manifest.yaml`; the package, requirements and Dockerfile are the table
service's templates).

The run's model pickles classes of `mcp_server`; the service must not import it. So the fitted
forecaster's attributes are written to `app/model.joblib` as plain values (numbers, arrays, the
boosted family's LightGBM model; the time grid as its origin) and the family's module, with the
modules it imports, is copied into `app/` (`modeling.local_modules`): the service rebuilds the
model on the copied class and continues the posted history with `Forecaster.from_history`.
Column names reach the generated code only as literals (`pyrepr`/`tojson`).
"""

from __future__ import annotations

import io
from typing import Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.render import to_identifier
from mcp_server.files.template_sets import template_set
from mcp_server.ml.serving.service import ModelInfo, dev_versions, service_env, versions

ENDPOINTS = ["POST /forecast", "GET /health", "GET /ready", "GET /metadata"]


def forecaster_of(pipeline: Any) -> Any:
    """The fitted forecaster at the end of the run's pipeline (or the model itself)."""
    from mcp_server.ml.modeling.forecast.base import Forecaster

    model = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
    if not isinstance(model, Forecaster):
        from mcp_server.ml.modeling.registry import REGISTRY

        families = ", ".join(n for n, spec in REGISTRY.items() if "timeseries" in spec.data_kinds)
        raise MoaiMlError(
            f"the run's model is {type(model).__name__}, not a forecaster; retrain it with "
            f"ml_train, kind='timeseries' and a timeseries family as model= ({families})"
        )
    return model


def model_state(model: Any) -> bytes:
    """The forecaster's fitted attributes as joblib bytes, free of `mcp_server` classes."""
    import joblib

    model.calibrated()  # the interval widths travel with the model (calibrated once)
    attributes = {k: v for k, v in vars(model).items() if k != "grid_"}
    buffer = io.BytesIO()
    joblib.dump({"attributes": attributes, "origin": model.grid_.origin.isoformat()}, buffer)
    return buffer.getvalue()


def forecast_metadata(info: ModelInfo, model: Any) -> dict[str, Any]:
    from mcp_server import __version__

    return {
        "model_name": info.model_name,
        "run_id": info.run_id,
        "task": "forecast",
        "runtime": "joblib",
        "family": type(model).__name__,
        "target": info.schema.target,
        "time_column": model.time_column,
        "series_id": model.series_id,
        "frequency": model.frequency_,
        "season_length": int(model.season_),
        "horizon": int(model.horizon or model.season_),
        "min_history": int(model.min_history()),
        "interval_level": float(model.interval_level),
        "intervals": model.calibrated() is not None,
        "metrics": {k: float(v) for k, v in sorted(info.metrics.items())},
        "generator": f"moai-domain-ml {__version__}",
        "verdict": dict(info.verdict or {}),
    }


def example_rows(model: Any, target: str) -> dict[str, Any]:
    """A valid request: the last `min_history()` steps of the model's own history per series."""
    import numpy as np

    steps = int(model.min_history())
    rows = []
    for s, series in enumerate(model.series_[:3]):
        last = int(model.last_[s])
        positions = np.arange(last - steps + 1, last + 1)
        for t, y in zip(model.grid_.times(positions), model.history_[s, positions], strict=True):
            row = {model.time_column: t.isoformat(), target: float(y)}
            if model.series_id is not None:
                row[model.series_id] = str(series)
            rows.append(row)
    return {"rows": rows}


def render_forecast_service(info: ModelInfo) -> dict[str, bytes | str]:
    """Every file of the forecast service, relative to its folder."""
    from mcp_server.ml.modeling.local_modules import local_modules

    model = forecaster_of(info.pipeline)
    module = type(model).__module__
    meta = forecast_metadata(info, model)
    context = {
        "model_name": info.model_name,
        "run_id": info.run_id,
        "time_column": model.time_column,
        "series_id": model.series_id,
        "target": info.schema.target,
        "family_module": module.rsplit(".", 1)[-1],
        "family_class": type(model).__name__,
        "metadata": meta,
        "example": example_rows(model, info.schema.target),
        "local_modules": local_modules([module]),
        "versions": versions("joblib", info.model_name, copied_modules=True),
        "dev_versions": dev_versions(),
        "env": service_env(),
        "python_version": _python_version(),
        "image_name": to_identifier(f"{info.model_name}-{info.run_id[:8]}", "model").replace(
            "_", "-"
        ),
    }
    layout = template_set("serving_forecast")
    files: dict[str, bytes | str] = dict(layout.render("service", context))
    files[layout.path("model", context)] = model_state(model)
    return files


def _python_version() -> str:
    import sys

    return f"{sys.version_info.major}.{sys.version_info.minor}"
