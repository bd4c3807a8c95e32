"""A model's predictions on labelled rows (`Scored`) and what a reviewer reads next to each
holdout number: the metric by the one metric table (its numpy version, `fast_metrics`, where one
exists), its 95 % bootstrap interval on a holdout under `BOOTSTRAP_ROWS` rows, and the baseline
it must beat (the training majority class or mean). Used by `ml_train` and `ml_evaluate`
results and by the model card.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mcp_server.core.errors import MoaiMlError

BOOTSTRAP_ROWS = 1000  # holdouts smaller than this get an interval on every metric


@dataclass
class Scored:
    y: Any  # true codes (classification) or values
    pred: Any
    proba: Any | None
    n_classes: int
    task: str


def metric_value(name: str, s: Scored, rows: Any = None) -> float | None:
    """The metric on all rows (or the positions `rows`); None where it is undefined (one class,
    …)."""
    from mcp_server.ml.modeling.metrics_spec import get_metric

    metric = get_metric(name, s.task)
    if metric.needs_proba and s.proba is None:
        raise MoaiMlError(
            f"metric {name!r} needs class probabilities and this model has none; choose another "
            "metric (the SPEC's metric, secondary) or a model that has them (model=)"
        )
    if metric.forecast:  # needs each series' history, which scored rows do not carry
        return None
    pick = slice(None) if rows is None else rows
    fast = _fast(name, s, pick)
    if fast is not NotImplemented:
        return None if fast is None or not math.isfinite(fast) else float(fast)
    return sklearn_value(name, s, pick)


def sklearn_value(name: str, s: Scored, pick: Any = slice(None)) -> float | None:
    """The metric by the metric table's scikit-learn expression; None where it raises."""
    import warnings

    from sklearn import metrics

    from mcp_server.ml.modeling.metrics_spec import get_metric

    scope = {
        "metrics": metrics,
        "y": s.y[pick],
        "pred": s.pred[pick],
        "LABELS": list(range(s.n_classes)),
        "proba": None if s.proba is None else s.proba[pick],
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # The expression is a constant of our own metric table (metrics_spec), never user input.
            expr = get_metric(name, s.task).expr(s.task)
            value = float(eval(expr, {"__builtins__": {}}, scope))  # noqa: S307
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _fast(name: str, s: Scored, pick: Any) -> Any:
    """The numpy version of the metric (`fast_metrics`), or NotImplemented."""
    import numpy as np

    from mcp_server.ml.modeling import fast_metrics

    y, pred = np.asarray(s.y)[pick], np.asarray(s.pred)[pick]
    if s.task == "regression":
        return fast_metrics.regression(name, y, pred)
    proba = None if s.proba is None else np.asarray(s.proba)[pick]
    return fast_metrics.classification(name, y, pred, proba, s.n_classes, s.task == "binary")


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def text(self) -> str:
        return f"[{self.low:.4f}, {self.high:.4f}]"

    def compact(self) -> list[float]:
        """[low, high] to 3 decimals, rounded outwards (a result's token budget holds one for
        every metric; the interval never shrinks)."""
        return [math.floor(self.low * 1000) / 1000, math.ceil(self.high * 1000) / 1000]


def intervals(names: list[str], scored: Scored, seed: int = 0) -> dict[str, Interval]:
    """95 % percentile bootstrap interval of each metric over the holdout rows (`bootstrap`: all
    resamples at once; metrics undefined on a resample are skipped there); none when the holdout
    has `BOOTSTRAP_ROWS` rows or more."""
    from mcp_server.ml.modeling import bootstrap

    n = len(scored.y)
    if n >= BOOTSTRAP_ROWS or n < 2:
        return {}

    def fallback(name: str, rows: Any) -> float | None:
        return defined_value(name, scored, rows)

    found = bootstrap.intervals(names, scored, fallback, seed)
    return {name: Interval(low, high) for name, (low, high) in found.items()}


def defined_value(name: str, scored: Scored, rows: Any) -> float | None:
    """The metric on the rows `rows`, None where it is undefined or needs what the model lacks."""
    try:
        return metric_value(name, scored, rows)
    except Exception:  # a metric needing probabilities this model lacks: no interval
        return None


def prior_of(train_y: Any, task: str, n_classes: int) -> dict[str, Any]:
    """What a baseline predicts, from the training target: each class's share, or the mean."""
    import numpy as np

    y = np.asarray(train_y)
    if task == "regression":
        return {"mean": float(np.mean(y.astype(float)))} if len(y) else {}
    counts = np.bincount(y.astype(int), minlength=n_classes)
    return {"shares": [round(float(c), 6) for c in counts / max(counts.sum(), 1)]}


def baseline(scored: Scored, prior: dict[str, Any] | None) -> tuple[str, Scored]:
    """What a model must beat: the training majority class, or the training mean (`prior_of`),
    predicted for every row (the class shares as probabilities); without a prior, the majority
    class or mean of the scored rows themselves, said as such."""
    import numpy as np

    n, task = len(scored.y), scored.task
    wanted = "mean" if task == "regression" else "shares"
    source = "training rows" if prior and wanted in prior else "these rows"
    if not prior or wanted not in prior:
        prior = prior_of(scored.y, task, scored.n_classes)
    if task == "regression":
        mean = float(prior["mean"])
        return f"the mean of the {source} ({mean:.4g})", Scored(
            scored.y, np.full(n, mean), None, 0, task
        )
    shares = np.asarray(prior["shares"], dtype=float)
    majority = int(np.argmax(shares))
    return f"the majority class ({shares[majority]:.0%} of {source})", Scored(
        scored.y, np.full(n, majority), np.tile(shares, (n, 1)), scored.n_classes, task
    )


def threshold(task: str, labels: list[str]) -> str | None:
    """The operating threshold a classifier's `predict` uses, in words; None for regression."""
    if task == "binary" and len(labels) == 2:
        return f"{labels[1]} when its probability is at least 0.5, else {labels[0]}"
    return None if task == "regression" else "the class with the highest probability"


def evidence(
    scored: Scored, prior: dict[str, Any] | None, names: list[str], labels: list[str]
) -> dict[str, Any]:
    """What a reviewer reads beside the holdout metrics `names`: the 95 % bootstrap interval of
    each (holdouts under `BOOTSTRAP_ROWS` rows), the baseline a model must beat (`baseline`) with
    its metrics on the same rows, and the threshold `predict` uses (classification)."""
    from mcp_server.ml.modeling.metrics_spec import valid

    out: dict[str, Any] = {}
    found = intervals(names, scored)
    if found:
        out["interval_95"] = {n: i.compact() for n, i in found.items()}
    described, base = baseline(scored, prior)
    out["baseline"] = described
    out["baseline_metrics"] = {
        name: round(value, 4)
        for name in names
        if name in valid(scored.task) and (value := defined_value(name, base, None)) is not None
    }
    rule = threshold(scored.task, labels)
    if rule is not None:
        out["threshold"] = rule
    return out
