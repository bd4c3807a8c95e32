"""Metric names a SPEC may use: direction, scikit-learn scorer, and the code that computes them.

One table drives three things: SPEC validation (unknown names list the valid ones), the
cross-validation scorer of the refactor step, and the expression the generated tests use on the
holdout. Expressions are our own constants (never data): they see `y` (true codes or values),
`pred` (predicted codes or values), `proba` (class probabilities) and `LABELS` (0..k-1).
"""

from __future__ import annotations

from dataclasses import dataclass

from mcp_server.core.errors import SpecError
from mcp_server.core.names import CLASSIFICATION_TASKS, REGRESSION_TASKS

_CLF = CLASSIFICATION_TASKS
_REG = REGRESSION_TASKS


@dataclass(frozen=True)
class MetricDef:
    name: str
    tasks: tuple[str, ...]
    greater_is_better: bool
    binary_expr: str | None = None
    multiclass_expr: str | None = None
    regression_expr: str | None = None
    binary_scorer: str | None = None
    multiclass_scorer: str | None = None
    regression_scorer: str | None = None
    bounded: bool = True  # score lies in [0, 1]
    needs_proba: bool = False
    forecast: bool = False  # needs a forecasting model's history (no generated-test expression)

    @property
    def direction(self) -> str:
        """`max`: the value must reach the threshold (>=); `min`: stay at or below it (<=)."""
        return "max" if self.greater_is_better else "min"

    def expr(self, task: str) -> str:
        if self.forecast:
            raise SpecError(
                f"metric {self.name!r} is a forecast's: the TDD cycle does not generate forecast "
                "tests yet; measure it with ml_train or ml_compare_models and the SPEC"
            )
        value = {
            "binary": self.binary_expr,
            "multiclass": self.multiclass_expr,
            "regression": self.regression_expr,
        }
        found = value.get(task)
        if found is None:
            raise SpecError(
                f"metric {self.name!r} does not apply to a {task} task; set the SPEC's metric "
                f"to one of: {', '.join(valid(task))}"
            )
        return found

    def scorer(self, task: str) -> str:
        value = {
            "binary": self.binary_scorer,
            "multiclass": self.multiclass_scorer,
            "regression": self.regression_scorer,
        }
        found = value.get(task)
        if found is None:
            raise SpecError(
                f"metric {self.name!r} does not apply to a {task} task; set the SPEC's metric "
                f"to one of: {', '.join(valid(task))}"
            )
        return found


def _clf(name: str, fn: str, scorer: str, *, macro: bool = True) -> MetricDef:
    """A label metric: binary uses the positive class (code 1), multiclass the macro average."""
    multi = (
        f'metrics.{fn}(y, pred, average="macro", zero_division=0)'
        if macro
        else f"metrics.{fn}(y, pred)"
    )
    binary = f"metrics.{fn}(y, pred, zero_division=0)" if macro else f"metrics.{fn}(y, pred)"
    return MetricDef(
        name, _CLF, True, binary, multi, None, scorer, f"{scorer}_macro" if macro else scorer, None
    )


def _avg(name: str, fn: str, average: str) -> MetricDef:
    expr = f'metrics.{fn}(y, pred, average="{average}", zero_division=0)'
    return MetricDef(name, _CLF, True, expr, expr, None, name, name, None)


def _reg(
    name: str, fn: str, scorer: str, *, greater: bool = False, bounded: bool = False
) -> MetricDef:
    return MetricDef(
        name, _REG, greater, None, None, f"metrics.{fn}(y, pred)", None, None, scorer, bounded
    )


def _forecast(name: str) -> MetricDef:
    """A forecast metric (the time-series kind): MASE against the seasonal naive, sMAPE."""
    return MetricDef(
        name, _REG, False, None, None, None, None, None, f"neg_{name}", False, forecast=True
    )


FORECAST_METRICS = ("mase", "smape")

METRICS: dict[str, MetricDef] = {
    m.name: m
    for m in (
        _clf("accuracy", "accuracy_score", "accuracy", macro=False),
        _clf("balanced_accuracy", "balanced_accuracy_score", "balanced_accuracy", macro=False),
        _clf("f1", "f1_score", "f1"),
        _clf("precision", "precision_score", "precision"),
        _clf("recall", "recall_score", "recall"),
        _avg("f1_macro", "f1_score", "macro"),
        _avg("f1_weighted", "f1_score", "weighted"),
        _avg("precision_macro", "precision_score", "macro"),
        _avg("recall_macro", "recall_score", "macro"),
        MetricDef(
            "roc_auc",
            _CLF,
            True,
            "metrics.roc_auc_score(y, proba[:, 1])",
            'metrics.roc_auc_score(y, proba, multi_class="ovr", labels=LABELS)',
            None,
            "roc_auc",
            "roc_auc_ovr",
            None,
            needs_proba=True,
        ),
        MetricDef(
            "log_loss",
            _CLF,
            False,
            "metrics.log_loss(y, proba, labels=LABELS)",
            "metrics.log_loss(y, proba, labels=LABELS)",
            None,
            "neg_log_loss",
            "neg_log_loss",
            None,
            bounded=False,
            needs_proba=True,
        ),
        _reg("r2", "r2_score", "r2", greater=True),
        _reg("mae", "mean_absolute_error", "neg_mean_absolute_error"),
        _reg("mse", "mean_squared_error", "neg_mean_squared_error"),
        _reg("rmse", "root_mean_squared_error", "neg_root_mean_squared_error"),
        _reg("mape", "mean_absolute_percentage_error", "neg_mean_absolute_percentage_error"),
        _reg("median_ae", "median_absolute_error", "neg_median_absolute_error"),
        _reg("poisson_deviance", "mean_poisson_deviance", "neg_mean_poisson_deviance"),
        # forecasts only (`forecast.scoring`): no generated-test expression, our own scorers
        _forecast("mase"),
        _forecast("smape"),
    )
}


def valid(task: str | None = None) -> list[str]:
    """Metric names, all or those that apply to `task`."""
    return [m.name for m in METRICS.values() if task is None or task in m.tasks]


def get_metric(name: str, task: str | None = None) -> MetricDef:
    """The metric, or a SpecError listing the valid names (for the task when it is known)."""
    metric = METRICS.get(name)
    if metric is None:
        raise SpecError(
            f"unknown metric {name!r}; set the SPEC's metric (or metric=) to one of: "
            f"{', '.join(valid(task))}"
        )
    if task is not None and task not in metric.tasks:
        raise SpecError(
            f"metric {name!r} does not apply to a {task} task; set the SPEC's metric (or "
            f"metric=) to one valid for {task}: {', '.join(valid(task))}"
        )
    return metric


def passes(metric: MetricDef, value: float, threshold: float) -> bool:
    """Does a measured value meet the gate (>= for scores, <= for errors)?"""
    return value >= threshold if metric.greater_is_better else value <= threshold


def check_threshold(metric: MetricDef, threshold: float, field: str) -> None:
    """Refuse a threshold no model could meet or that means nothing (e.g. roc_auc 97)."""
    if metric.bounded and not 0.0 <= threshold <= 1.0:
        raise SpecError(
            f"{field}: {metric.name} lies between 0 and 1 but the threshold is {threshold}; "
            "set the SPEC's threshold (or secondary) between 0 and 1"
        )
    if metric.name == "r2" and threshold > 1.0:
        raise SpecError(
            f"{field}: r2 is at most 1 but the threshold is {threshold}; set the SPEC's "
            "threshold (or secondary) at or below 1"
        )
    if not metric.greater_is_better and threshold < 0:
        raise SpecError(
            f"{field}: {metric.name} is never negative but the threshold is {threshold}; set "
            "the SPEC's threshold (or secondary) at 0 or above"
        )
