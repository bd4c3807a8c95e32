"""Score stored predictions with scikit-learn's own scorers, so a trial's folds, its out-of-fold
predictions and an ensemble of them are all scored exactly like `cross_validate` would."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any


def _fixed(task: str, out: Any) -> Any:
    """An already-'fitted' estimator that answers with stored predictions (probabilities for
    classes)."""
    import numpy as np
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

    if task == "regression":

        class FixedRegressor(RegressorMixin, BaseEstimator):  # type: ignore[misc]
            def predict(self, X: Any) -> Any:
                return out

        return FixedRegressor()

    class FixedClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
        classes_ = np.arange(out.shape[1])

        def predict_proba(self, X: Any) -> Any:
            return out

        def predict(self, X: Any) -> Any:
            return np.argmax(out, axis=1)

    return FixedClassifier()


@dataclass(frozen=True)
class Scorer:
    """The search metric: its name, direction and scikit-learn scorer for the task."""

    task: str
    metric: str
    n_classes: int

    @cached_property
    def higher(self) -> bool:
        from mcp_server.ml.modeling.metrics import higher_is_better

        return higher_is_better(self.metric)

    @property
    def direction(self) -> str:
        return "maximize" if self.higher else "minimize"

    def value(self, y: Any, out: Any) -> float:
        """The metric's own value (errors positive) of predictions `out` against `y`."""
        from sklearn.metrics import get_scorer

        from mcp_server.ml.modeling.metrics_spec import METRICS

        scorer = get_scorer(METRICS[self.metric].scorer(self.task))
        raw = float(scorer(_fixed(self.task, out), None, y))
        return raw if self.higher else -raw

    def of_forecast(self, model: Any, X: Any, y: Any, out: Any) -> float:
        """A forecaster's MASE (scaled by its own seasonal naive on the rows it was fitted on: a
        fold's training part) or sMAPE; other metrics as `value` scores them."""
        from mcp_server.ml.modeling.forecast.scoring import mase, smape

        if self.metric == "mase":
            return mase(model, X, y, out)
        if self.metric == "smape":
            return smape(y, out)
        return self.value(y, out)

    def better(self, a: float, b: float) -> bool:
        return a > b if self.higher else a < b

    def gain(self, value: float) -> float:
        """Higher-is-better form of a value (for sorting and ensemble selection)."""
        return value if self.higher else -value
