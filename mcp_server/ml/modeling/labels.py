"""STABLE, SELF-CONTAINED: the one home of the label-restoring wrapper.

Models are fitted on class codes 0..k-1; what leaves the product must answer like scikit-learn
promises: `predict` returns the original labels and `classes_` holds them, in `predict_proba`'s
column order. `LabelRestoringModel` does that for any fitted pipeline. It imports only numpy and
scikit-learn because its source is written, as it is, into generated TDD projects (`labels.py`
next to the pipeline): the model a project saves loads without moai-domain-ml installed.
`LabelledModel` of the `faithful` module beside this one (exports, MLflow models) builds on it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator


class LabelRestoringModel(BaseEstimator):  # type: ignore[misc]
    """A fitted pipeline trained on class codes that answers in the original labels."""

    def __init__(self, pipeline: Any = None, classes: list[Any] | None = None) -> None:
        self.pipeline = pipeline
        self.classes = classes

    def _coerce(self, X: Any) -> Any:
        """The table as the pipeline was fitted on it (subclasses coerce raw tables)."""
        return X

    def _labels(self) -> list[Any]:
        """The original labels in code order; empty for a regression model."""
        return list(self.classes or [])

    @property
    def classes_(self) -> Any:
        """The labels as they were in the data, in probability-column order."""
        labels = self._labels()
        if not labels:
            raise AttributeError("a regression model has no classes_")
        return np.asarray(labels)

    def predict(self, X: Any) -> Any:
        """Labels for a classifier (codes mapped back), values for a regressor."""
        out = np.asarray(self.pipeline.predict(self._coerce(X)))
        if not self._labels():
            return out
        return self.classes_[out.astype(np.int64)]

    def predict_proba(self, X: Any) -> Any:
        """One column per label, in `classes_` order."""
        return self.pipeline.predict_proba(self._coerce(X))

    def __sklearn_is_fitted__(self) -> bool:
        return self.pipeline is not None
