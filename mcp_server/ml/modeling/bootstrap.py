"""The one bootstrap: resampled rows drawn once from a seed, every metric on all resamples at once
(`resample_metrics`), and the 95 % percentile intervals read from them. `ml_train`,
`ml_evaluate` (local and on a cluster), the model card and a promotion's paired difference all
get their intervals here.

A metric without a numpy version in `resample_metrics` (none of those the product reports today)
is computed resample by resample through `fallback`, the only loop left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

import numpy as np

from mcp_server.ml.modeling import resample_metrics

RESAMPLES = 1000
CELLS = 1_000_000  # values a block of resamples holds at once (B x n, B x k², B x scores)


class Scored(Protocol):
    """A model's predictions on labelled rows, as `holdout_stats.Scored` holds them."""

    y: Any
    pred: Any
    proba: Any | None
    n_classes: int
    task: str


Fallback = Callable[[str, Any], float | None]  # (metric, row positions) -> value or None


def draws(n: int, seed: int = 0, resamples: int = RESAMPLES) -> Any:
    """The (resamples x n) row positions of a bootstrap over n rows, drawn once from `seed` (the
    same positions as drawing one resample after another from that seed)."""
    return np.random.default_rng(seed).integers(0, n, (resamples, n))


def blocks(n: int, seed: int, width: int, resamples: int = RESAMPLES) -> Iterator[Any]:
    """`draws(n, seed, resamples)` in blocks of resamples holding at most about `CELLS` values
    of `width` per resample (a large holdout's paired bootstrap stays small in memory)."""
    rng = np.random.default_rng(seed)
    block = max(1, CELLS // max(width, 1))
    for start in range(0, resamples, block):
        yield rng.integers(0, n, (min(block, resamples - start), n))


def vectorised(task: str) -> tuple[str, ...]:
    """The metrics of a task computed for all resamples at once."""
    return resample_metrics.REGRESSION if task == "regression" else resample_metrics.CLASSIFICATION


def metric_values(
    names: list[str], scored: Scored, fallback: Fallback, seed: int = 0
) -> dict[str, Any]:
    """{metric: (RESAMPLES,) values over the resamples `draws(n, seed)`}, NaN where the metric
    is undefined on a resample."""
    n = len(scored.y)
    fits = _codes_fit(scored)
    fast = [name for name in names if name in vectorised(scored.task)] if fits else []
    out: dict[str, Any] = {}
    if fast:
        width = max(n, scored.n_classes**2)
        parts = [_block(fast, scored, rows) for rows in blocks(n, seed, width)]
        out = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    for name in names:
        if name in fast and name not in out:  # needs probabilities the model does not give
            out[name] = np.full(RESAMPLES, np.nan)
        elif name not in out:  # no numpy version: one resample at a time
            found = [fallback(name, rows) for block in blocks(n, seed, n) for rows in block]
            out[name] = np.array([np.nan if v is None else v for v in found], dtype=float)
    return {name: np.where(np.isfinite(v), v, np.nan) for name, v in out.items()}


def _codes_fit(scored: Scored) -> bool:
    """Classification codes within 0..k-1 (else the confusion cells would spill over)."""
    if scored.task == "regression":
        return True
    codes = np.concatenate([np.asarray(scored.y).ravel(), np.asarray(scored.pred).ravel()])
    return (
        codes.size > 0
        and np.issubdtype(codes.dtype, np.number)
        and 0 <= codes.min()
        and (codes.max() < scored.n_classes)
    )


def _block(names: list[str], scored: Scored, rows: Any) -> dict[str, Any]:
    if scored.task == "regression":
        return resample_metrics.regression(names, scored.y, scored.pred, rows)
    return resample_metrics.classification(
        names, scored.y, scored.pred, scored.proba, scored.n_classes, rows
    )


def percentile_interval(values: Any) -> tuple[float, float] | None:
    """The 2.5 and 97.5 percentiles of the defined values; None when the metric is undefined on
    half the resamples or more."""
    found = values[np.isfinite(values)]
    if len(found) < len(values) / 2 or not len(found):
        return None
    low, high = np.percentile(found, [2.5, 97.5])
    return float(low), float(high)


def intervals(
    names: list[str], scored: Scored, fallback: Fallback, seed: int = 0
) -> dict[str, tuple[float, float]]:
    """95 % percentile bootstrap interval of each metric over the scored rows."""
    values = metric_values(names, scored, fallback, seed)
    found = {name: percentile_interval(v) for name, v in values.items()}
    return {name: interval for name, interval in found.items() if interval is not None}


def paired(
    name: str, a: Scored, b: Scored, fallbacks: tuple[Fallback, Fallback], seed: int = 0
) -> tuple[float, float] | None:
    """95 % percentile interval of metric(a) - metric(b) over the same resampled rows; None when
    either is undefined on half the resamples or more."""
    first = metric_values([name], a, fallbacks[0], seed)[name]
    second = metric_values([name], b, fallbacks[1], seed)[name]
    return percentile_interval(first - second)
