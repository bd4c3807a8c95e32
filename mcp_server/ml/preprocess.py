"""STABLE IMPORT PATH: functions that stored models reference by name. Never move or rename.

A fitted Pipeline is pickled (joblib, MLflow's cloudpickle) with every function it holds
referenced by module path and name; a model saved months ago loads only while that path still
resolves. So the functions a pipeline holds live here, at the path they had when the first
models were saved (`mcp_server.ml.preprocess`, from before `ml/` had subpackages), and nowhere
else. The preprocessing recipe itself is `mcp_server.ml.modeling.preprocess`.
tests/modeling/test_stable_pickles.py loads a model saved before the move.
"""

from __future__ import annotations

from typing import Any

DATE_PARTS = ("year", "month", "day", "day_of_week", "hour")


def datetime_parts(frame: Any) -> Any:
    """Year, month, day, weekday and hour of each datetime column, as floats (NaN if missing)."""
    import numpy as np
    import pandas as pd

    parts = []
    for name in frame.columns:
        stamp = pd.to_datetime(frame[name], errors="coerce", format="mixed")
        for attr in DATE_PARTS:
            parts.append(getattr(stamp.dt, attr).astype("float64").to_numpy())
    return np.column_stack(parts) if parts else np.empty((len(frame), 0))
