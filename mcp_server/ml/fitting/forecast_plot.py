"""The forecast plot of an evaluation (a forecasting model only): for the few series with the
largest errors, the last seasons of the history the model saw, the evaluated rows' actual values,
the forecast and its conformal interval."""

from __future__ import annotations

from pathlib import Path
from typing import Any

MAX_SERIES = 3
HISTORY_SEASONS = 4


def forecast_png(model: Any, X: Any, y: Any, path: Path, small: bool = False) -> bool:
    """Draw it into `path`; False (nothing drawn) for a model that does not forecast."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    from mcp_server.core.errors import MoaiMlError
    from mcp_server.ml.modeling.forecast.scoring import forecaster_of

    forecaster = forecaster_of(model)
    if forecaster is None or not len(y):
        return False
    try:
        bands = forecaster.predict_interval(X)
    except MoaiMlError:  # too short to calibrate: the forecast alone
        forecast = forecaster.predict(X)
        bands = pd.DataFrame({"forecast": forecast, "lower": np.nan, "upper": np.nan})
    rows = pd.DataFrame(
        {
            "series": forecaster.series_of(X),
            "time": pd.to_datetime(X[forecaster.time_column]).to_numpy(),
            "actual": np.asarray(y, dtype=float),
            **{k: bands[k].to_numpy() for k in ("forecast", "lower", "upper")},
        }
    )
    errors = (rows["actual"] - rows["forecast"]).abs().groupby(rows["series"]).sum()
    shown = list(errors.sort_values(ascending=False).index[:MAX_SERIES])
    width, height = (3.2, 1.4) if small else (7.0, 2.4)
    fig, axes = plt.subplots(len(shown), 1, figsize=(width, height * len(shown)), squeeze=False)
    for ax, name in zip(axes[:, 0], shown, strict=True):
        _one(ax, forecaster, rows[rows["series"] == name].sort_values("time"), name, small)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=80 if small else 100)
    plt.close(fig)
    return True


def _one(ax: Any, forecaster: Any, rows: Any, name: str, small: bool) -> None:
    import numpy as np

    code = int(np.searchsorted(forecaster.series_, name))
    last, first = int(forecaster.last_[code]), int(forecaster.first_[code])
    steps = np.arange(max(first, last - HISTORY_SEASONS * forecaster.season_ + 1), last + 1)
    ax.plot(forecaster.grid_.times(steps), forecaster.history_[code, steps], color="0.5", lw=1)
    ax.plot(rows["time"], rows["actual"], "k.", ms=3, label="actual")
    ax.plot(rows["time"], rows["forecast"], color="tab:blue", lw=1.2, label="forecast")
    if rows["lower"].notna().all():
        ax.fill_between(rows["time"], rows["lower"], rows["upper"], color="tab:blue", alpha=0.2)
    ax.set_title(str(name).replace("$", r"\$"), fontsize=7 if small else 9)
    ax.tick_params(labelsize=6 if small else 8)
    if not small:
        ax.legend(fontsize=7, loc="upper left")
