"""Preprocessing built from the schema, inside one scikit-learn Pipeline.

Training, evaluation, export and serving all apply the same transform because it is part of
the saved model. Estimators see a plain numeric matrix (no column names), so a LightGBM model
never sees a user's column names with JSON special characters. `coerce_frame` is the one edge
adapter: it gives every column the dtype the pipeline was fitted on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp_server.ml.data.schema import Schema
from mcp_server.ml.preprocess import (
    DATE_PARTS,
    datetime_parts,
)  # the stable path stored models name

if TYPE_CHECKING:
    import pandas as pd

MISSING = "__missing__"  # the fill value of missing categories
MAX_CATEGORIES = 50  # one-hot columns per categorical feature; rarer categories are grouped
TFIDF_MAX_FEATURES = 300
TFIDF_MIN_DF = 2


def template_constants() -> dict[str, object]:
    """The preprocessing recipe as the generated pipeline renders it (one source, no copies)."""
    return {
        "missing": MISSING,
        "max_categories": MAX_CATEGORIES,
        "tfidf_max_features": TFIDF_MAX_FEATURES,
        "tfidf_min_df": TFIDF_MIN_DF,
        "date_parts": DATE_PARTS,
    }


def coerce_frame(frame: pd.DataFrame, schema: Schema, *, consume: bool = False) -> pd.DataFrame:
    """Select the schema's features, in order; numbers as float, categories as str objects with NaN.

    One block per column, shared with `frame` where a column is already what the pipeline wants
    (pandas copies on write, so neither side can change the other). `consume=True` takes the
    columns out of `frame` a group at a time as it goes: a large table is never held twice."""
    import numpy as np
    import pandas as pd

    out: dict[str, Any] = {}
    features = list(schema.features)
    # Removing one column costs a pass over the table's blocks (one per column as read): column
    # by column is quadratic (300 x 1,000: 27 s); at most 32 removals stay linear.
    step = max(1, len(features) // 32) if consume else max(1, len(features))
    for start in range(0, len(features), step):
        group = features[start : start + step]
        for feature in group:
            if feature.name not in frame.columns:
                out[feature.name] = _coerce(pd.Series(np.nan, index=frame.index), feature.kind)
            else:
                out[feature.name] = _coerce(frame[feature.name], feature.kind)
        if consume:
            taken = [f.name for f in group if f.name in frame.columns]
            frame.drop(columns=taken, inplace=True)
    return pd.DataFrame(out, index=frame.index, copy=False)


def _coerce(column: pd.Series, kind: str) -> pd.Series:
    import numpy as np
    import pandas as pd

    if kind == "numeric":
        return pd.to_numeric(column, errors="coerce").astype("float64")
    if kind == "datetime":
        return pd.to_datetime(column, errors="coerce", format="mixed")
    if kind == "image":  # a path, bytes or a PIL image: the image family decodes it itself
        return column.astype(object)
    if kind == "text":
        # TfidfVectorizer has no imputer in front of it and refuses NaN: a missing text is empty.
        return column.astype(object).where(column.notna(), "").map(str).astype(object)
    text = column.astype(object).where(column.notna(), np.nan)
    # NaN stays NaN (imputed later); every other value, floats included, becomes text so the
    # encoder never sees mixed float/str (a 0.0/1.0 flag column with gaps crashed it).
    return text.map(lambda v: v if isinstance(v, float) and np.isnan(v) else str(v)).astype(object)


def build_preprocessor(schema: Schema, scale: bool) -> Any:
    """A ColumnTransformer: impute (+ scale) numbers, impute + one-hot categories, date parts,
    tf-idf."""
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    steps: list[tuple[str, Any, Any]] = []
    numeric = schema.of_kind("numeric")
    if numeric:
        num_steps: list[tuple[str, Any]] = [("impute", SimpleImputer(strategy="median"))]
        if scale:
            num_steps.append(("scale", StandardScaler()))
        steps.append(("numeric", Pipeline(num_steps), numeric))
    categorical = schema.of_kind("categorical", "boolean")
    if categorical:
        cat = Pipeline(
            [
                ("impute", SimpleImputer(strategy="constant", fill_value=MISSING)),
                (
                    "onehot",
                    OneHotEncoder(
                        handle_unknown="ignore", sparse_output=False, max_categories=MAX_CATEGORIES
                    ),
                ),
            ]
        )
        steps.append(("categorical", cat, categorical))
    dates = schema.of_kind("datetime")
    if dates:
        date_steps = [
            ("parts", FunctionTransformer(datetime_parts)),
            ("impute", SimpleImputer(strategy="median")),
        ]
        steps.append(("datetime", Pipeline(date_steps), dates))
    for i, name in enumerate(schema.of_kind("text")):
        steps.append(
            (
                f"text_{i}",
                TfidfVectorizer(max_features=TFIDF_MAX_FEATURES, min_df=TFIDF_MIN_DF),
                name,
            )
        )
    return ColumnTransformer(steps, remainder="drop", sparse_threshold=0.0)


def build_pipeline(
    schema: Schema, estimator_name: str, params: dict[str, Any] | None, seed: int | None
) -> Any:
    """The full model: preprocessing then the registry's estimator, as one Pipeline. Images
    pass through: decoding, resizing and normalising them is the image family's own fitted
    state (a raw file in, a label out)."""
    from sklearn.pipeline import Pipeline

    from mcp_server.ml.modeling.catalog import get_spec
    from mcp_server.ml.modeling.estimators import make_estimator

    spec = get_spec(estimator_name)
    if spec.takes_rows:  # the rows as they are; the kind's roles (a series' columns) as params
        estimator = make_estimator(
            estimator_name, schema.task, {**schema.roles, **(params or {})}, seed
        )
        return Pipeline([("preprocess", "passthrough"), ("model", estimator)])
    if spec.takes_text:  # the raw strings of the text column: the family tokenizes them itself
        column = text_column(schema, estimator_name)
        estimator = make_estimator(
            estimator_name, schema.task, {"text_column": column, **(params or {})}, seed
        )
        return Pipeline([("preprocess", "passthrough"), ("model", estimator)])
    estimator = make_estimator(estimator_name, schema.task, params, seed)
    if schema.of_kind("image"):
        return Pipeline([("preprocess", "passthrough"), ("model", estimator)])
    return Pipeline(
        [("preprocess", build_preprocessor(schema, spec.needs_scaling)), ("model", estimator)]
    )


def takes_raw_rows(schema: Schema, estimator_name: str) -> bool:
    """Whether `build_pipeline` hands the family the rows as they are (no fitted preprocessing):
    a forecaster, a text network, any family on images. A search fits such a family per fold as
    `ml_train` does, and never blends it with others."""
    from mcp_server.ml.modeling.catalog import get_spec

    spec = get_spec(estimator_name)
    return spec.takes_rows or spec.takes_text or bool(schema.of_kind("image"))


def text_column(schema: Schema, estimator_name: str) -> str:
    """The free-text column a text family reads: the schema's first (a refusal if it has none)."""
    texts = schema.of_kind("text")
    if not texts:
        from mcp_server.core.errors import DataError

        kinds = ", ".join(f"{f.name} ({f.kind})" for f in schema.features[:5])
        raise DataError(
            f"{estimator_name} reads a free-text column and this table has none ({kinds}); "
            "pass a table family as model=, or give data_path a column of sentences (most values "
            "distinct, with spaces)"
        )
    return texts[0]


def ignored_columns(schema: Schema, estimator_name: str) -> list[str]:
    """The warning a text family's fit adds: the table's other columns it leaves out."""
    from mcp_server.ml.modeling.catalog import get_spec

    if not get_spec(estimator_name).takes_text or not schema.of_kind("text"):
        return []
    column = text_column(schema, estimator_name)
    others = [f.name for f in schema.features if f.name != column]
    if not others:
        return []
    listed = ", ".join(others[:8]) + (f" and {len(others) - 8} more" if len(others) > 8 else "")
    return [
        f"{estimator_name} reads only the text column {column!r}; it ignores {listed} (a table "
        "family with TF-IDF uses every column)"
    ]


def encode_target(y: pd.Series, schema: Schema) -> Any:
    """Classification labels -> codes 0..k-1 in `schema.classes` order (what every estimator,
    XGBoost included, and ONNX handle the same way). Regression targets -> float."""
    import numpy as np

    if schema.task == "regression":
        return y.astype("float64").to_numpy()
    index = {str(label): code for code, label in enumerate(schema.classes)}
    codes = y.map(lambda v: index.get(str(v), -1)).to_numpy(dtype=np.int64)
    if (codes < 0).any():
        unknown = sorted({str(v) for v in y[codes < 0].unique()})[:5]
        from mcp_server.core.errors import DataError

        raise DataError(
            f"target values not seen in training: {unknown}; drop those rows from data_path, "
            "or retrain (ml_train) on rows that hold them"
        )
    return codes


def decode_labels(codes: Any, schema: Schema) -> list[Any]:
    """Codes back to the user's labels (as they were in the data)."""
    return [schema.classes[int(c)] for c in codes]
