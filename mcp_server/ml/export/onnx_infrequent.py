"""Make a OneHotEncoder that grouped infrequent categories convertible to ONNX.

The preprocessing one-hot encodes with `max_categories=50`: a column with more categories gets
one shared "infrequent" output. skl2onnx refuses such encoders, so the conversion copy replaces
the step by an exact equivalent it can convert: a plain OneHotEncoder over every category seen,
followed by a fixed 0/1 matrix (carried by a GaussianRandomProjection, which converts to one
MatMul) that adds the infrequent categories' columns into the shared one. The matrix is read
from the fitted encoder itself, category by category, so it matches scikit-learn exactly.
"""

from __future__ import annotations

from typing import Any


def needs_rewrite(encoder: Any) -> bool:
    infrequent: list[Any] = list(getattr(encoder, "infrequent_categories_", None) or [])
    return any(c is not None for c in infrequent)


def equivalent_steps(encoder: Any) -> list[tuple[str, Any]]:
    """[("onehot", plain encoder over all categories), ("merge", the 0/1 matrix)]."""
    import numpy as np
    from sklearn.preprocessing import OneHotEncoder

    categories = [list(c) for c in encoder.categories_]
    plain = OneHotEncoder(
        categories=categories, handle_unknown="ignore", sparse_output=False, dtype=np.float64
    )
    longest = max(len(c) for c in categories)
    plain.fit(
        _named(
            np.array([[c[i % len(c)] for c in categories] for i in range(longest)], dtype=object),
            encoder,
        )
    )
    offset_in, offset_out = 0, 0
    merge = np.zeros((sum(len(c) for c in categories), int(sum(encoder._n_features_outs))))
    for j, cats in enumerate(categories):
        rows = np.array([[c[0] for c in categories]] * len(cats), dtype=object)
        rows[:, j] = cats
        width = int(encoder._n_features_outs[j])
        block = np.asarray(encoder.transform(_named(rows, encoder)))[
            :, offset_out : offset_out + width
        ]
        merge[offset_in : offset_in + len(cats), offset_out : offset_out + width] = block
        offset_in, offset_out = offset_in + len(cats), offset_out + width
    return [("onehot", plain), ("merge", _matmul(merge))]


def _named(rows: Any, encoder: Any) -> Any:
    """Rows as the encoder was fitted on them: a DataFrame if it saw column names, else an array."""
    import pandas as pd

    names = getattr(encoder, "feature_names_in_", None)
    return rows if names is None else pd.DataFrame(rows, columns=list(names))


def _matmul(matrix: Any) -> Any:
    """A fitted GaussianRandomProjection whose transform is `X @ matrix` (skl2onnx: one MatMul)."""
    from sklearn.random_projection import GaussianRandomProjection

    projection = GaussianRandomProjection(n_components=matrix.shape[1])
    projection.components_ = matrix.T.copy()
    projection.n_components_ = matrix.shape[1]
    projection.n_features_in_ = matrix.shape[0]
    return projection
