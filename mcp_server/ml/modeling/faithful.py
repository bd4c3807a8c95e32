"""STABLE IMPORT PATH (pickled by reference in exported models): never move or rename.

`LabelledModel` is what leaves the product as a model file or an MLflow model: the fitted moai
pipeline (which works on class codes 0..k-1 and coerced columns) behind scikit-learn's own
contract. It takes the table as `pandas.read_csv` reads it (True/False as bool, 0/1 flags as
ints, dates as text) and coerces it the way training did; `predict` answers in the user's labels
and `classes_` holds them, in `predict_proba`'s column order (the mapping itself is
`labels.LabelRestoringModel`, its one home). The run store keeps the bare pipeline; export and
the logged MLflow model wrap it.
"""

from __future__ import annotations

from typing import Any

from mcp_server.ml.modeling.labels import LabelRestoringModel


class LabelledModel(LabelRestoringModel):
    """A fitted moai pipeline that reads raw tables and predicts labels (see the module doc)."""

    def __init__(self, pipeline: Any = None, schema: dict[str, Any] | None = None) -> None:
        self.pipeline = pipeline
        self.schema = schema

    def _schema(self) -> Any:
        from mcp_server.ml.data.schema import Schema

        return Schema.from_dict(dict(self.schema or {}))

    def _coerce(self, X: Any) -> Any:
        import pandas as pd

        from mcp_server.ml.modeling.preprocess import coerce_frame

        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X, columns=self._schema().names)
        return coerce_frame(frame, self._schema())

    def _labels(self) -> list[Any]:
        return list((self.schema or {}).get("classes") or [])

    @property
    def feature_names_in_(self) -> Any:
        import numpy as np

        return np.asarray(self._schema().names, dtype=object)

    def fit(self, X: Any, y: Any) -> LabelledModel:
        """Refit the pipeline on a raw table and its labels (the same recipe, the same codes)."""
        import pandas as pd

        from mcp_server.ml.modeling.preprocess import encode_target

        self.pipeline.fit(self._coerce(X), encode_target(pd.Series(y), self._schema()))
        return self


def labelled(pipeline: Any, schema: Any) -> LabelledModel:
    """Wrap a fitted moai pipeline (codes, coerced columns) for the outside world."""
    return LabelledModel(pipeline, schema.to_dict())


def bare(model: Any) -> Any:
    """The moai pipeline inside a `LabelledModel` (an exported file read back), else the model."""
    return model.pipeline if isinstance(model, LabelledModel) else model
