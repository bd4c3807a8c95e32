"""The two scales a forecaster calibrates on: each step's split-conformal interval width and each
series' seasonal scale (MASE's denominator)."""

from __future__ import annotations

import warnings
from typing import Any

MIN_CALIBRATION = 30  # scaled errors behind each step's conformal quantile, at least


def conformal_widths(errors: Any, level: float) -> Any:
    """Per step, the split-conformal quantile of the scaled errors (series by steps): the
    ceil((n + 1) * level)-th smallest of n errors. With few series a step pools the errors of its
    neighbouring steps until it has `MIN_CALIBRATION` of them (a quantile of three errors would
    cover three times in four, whatever the level)."""
    import math

    import numpy as np

    count, steps = errors.shape
    reach = min(steps, max(0, math.ceil((MIN_CALIBRATION / count - 1) / 2)))
    widths = np.empty(steps)
    for h in range(steps):
        pooled = np.sort(errors[:, max(0, h - reach) : h + reach + 1].ravel())
        rank = min(math.ceil((len(pooled) + 1) * level), len(pooled))
        widths[h] = pooled[rank - 1]
    return widths


def season_scale(Y: Any, season: int) -> Any:
    """Per series, the mean absolute difference between values one season apart (one step apart
    when that is undefined or zero; 1 for a constant series)."""
    import numpy as np

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        scale = np.full(len(Y), np.nan)
        for lag in (season, 1):
            if Y.shape[1] > lag:
                found = np.nanmean(np.abs(Y[:, lag:] - Y[:, :-lag]), axis=1)
                fill = ~(scale > 0)
                scale[fill] = found[fill]
    return np.where(scale > 0, scale, 1.0)
