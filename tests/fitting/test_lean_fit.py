"""The lean fit (the table let go after preprocessing, medians column by column) makes the very
model `Pipeline.fit` makes: the same pickled state, the same predictions."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from mcp_server.ml.fitting.lean_fit import fit_transform_owned
from mcp_server.ml.fitting.training import fit_pipeline, split_rows
from mcp_server.ml.modeling.dataset import prepare
from mcp_server.ml.modeling.preprocess import build_pipeline


def _state(model: object) -> bytes:
    """The model's pickle without memo references: equal objects give equal bytes, whichever of
    them happen to be one shared object (a column name string, a dtype) in one model only."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    pickler.dump(model)
    return buffer.getvalue()


def _table(path: Path, rows: int) -> Path:
    """Numbers with gaps (one column wholly empty, one half empty), a category, a date, a target."""
    rng = np.random.default_rng(rows)
    frame = pd.DataFrame(
        {
            "amount": np.round(rng.normal(100, 20, rows), 2),
            "visits": rng.integers(0, 7, rows),  # many ties: the median sits on a repeated value
            "half": rng.normal(size=rows),
            "empty": np.nan,
            "city": rng.choice(["paris", "oslo", "rome", None], rows),
            "opened": pd.date_range("2020-01-01", periods=rows, freq="D").strftime("%Y-%m-%d"),
        }
    )
    frame.loc[rng.random(rows) < 0.15, "amount"] = np.nan
    frame.loc[: rows // 2, "half"] = np.nan
    frame["target"] = np.where(frame["visits"] + rng.normal(0, 2, rows) > 3, "yes", "no")
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("rows", [400, 401])  # an even and an odd count of present values
@pytest.mark.parametrize(
    "model", ["hist_gradient_boosting", "random_forest", "logistic_regression"]
)
def test_the_lean_fit_pickles_byte_for_byte_like_pipeline_fit(
    tmp_path: Path, rows: int, model: str
):
    data = prepare(_table(tmp_path / "t.csv", rows), "target")
    assert "empty" not in data.X.columns or data.X["empty"].isna().all()
    reference = build_pipeline(data.schema, model, {}, 7)
    lean = clone(reference)
    reference.fit(data.X.copy(), data.y)
    fit_pipeline(lean, [data.X.copy()], data.y, model)
    assert _state(lean) == _state(reference)
    assert np.array_equal(lean.predict(data.X), reference.predict(data.X))


@pytest.mark.slow  # 140,000 rows
@pytest.mark.parametrize("numbers_only", [True, False])
def test_a_table_larger_than_a_transform_chunk_fits_to_the_same_model(
    tmp_path: Path, numbers_only: bool
):
    """Past 65,536 rows the matrix is written chunk by chunk; a table of numbers only is fitted on
    the rows that hold each column's first value (one column's only value is in the last chunk)."""
    rows = 140_000
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({f"x{i}": np.round(rng.normal(size=rows), 3) for i in range(4)})
    frame.loc[rng.random(rows) < 0.1, "x1"] = np.nan
    frame["late"] = np.nan
    frame.loc[rows - 10 :, "late"] = [1.0, 2.0, 2.0, 5.0, 1.0, 1.0, 3.0, 2.0, 4.0, 1.0]
    frame.loc[: rows // 3, "x2"] = np.nan
    if not numbers_only:
        frame["city"] = rng.choice(["paris", "oslo", "rome"], rows)
    frame["target"] = np.where(frame["x0"] + rng.normal(0, 1, rows) > 0, "yes", "no")
    frame.to_csv(tmp_path / "big.csv", index=False)
    data = prepare(tmp_path / "big.csv", "target")
    assert "late" in data.X.columns
    reference = build_pipeline(data.schema, "hist_gradient_boosting", {"max_iter": 5}, 7)
    lean = clone(reference)
    reference.fit(data.X.copy(), data.y)
    fit_pipeline(lean, [data.X.copy()], data.y, "hist_gradient_boosting")
    assert _state(lean) == _state(reference)
    assert np.array_equal(lean.predict_proba(data.X), reference.predict_proba(data.X))


def test_the_median_branch_is_the_one_fit_makes_even_with_a_wholly_empty_column():
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline

    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {"a": rng.normal(size=1001), "b": rng.integers(0, 5, 1001).astype(float), "c": np.nan}
    )
    frame.loc[rng.random(1001) < 0.2, "a"] = np.nan
    step = ColumnTransformer(
        [("numeric", Pipeline([("impute", SimpleImputer(strategy="median"))]), ["a", "b", "c"])]
    )
    reference = clone(step)
    with pytest.warns(UserWarning, match="strategy='median'"):
        expected = reference.fit_transform(frame)
    with pytest.warns(UserWarning, match="strategy='median'"):
        [got] = fit_transform_owned(step, [frame.copy()], None)
    assert np.array_equal(got, expected) and got.shape == (1001, 2)
    assert _state(step) == _state(reference)
    assert step.get_params()["numeric__impute__strategy"] == "median"


def test_the_split_takes_every_column_and_empties_the_table(tmp_path: Path):
    data = prepare(_table(tmp_path / "t.csv", 300), "target")
    whole = data.X.copy()
    train_idx, test_idx = np.arange(0, 300, 2), np.arange(1, 300, 2)
    train, test = split_rows(data.X, train_idx, test_idx)
    assert data.X.shape[1] == 0
    pd.testing.assert_frame_equal(train, whole.iloc[train_idx])
    pd.testing.assert_frame_equal(test, whole.iloc[test_idx])


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_a_table_of_numbers_gives_up_each_column_as_the_split_matrix_is_written(task: str):
    """With the estimator's early-stopping split known, the imputed matrix is written straight into
    its two parts a column at a time, each column leaving the table: the parts equal the rows of
    the whole transform, and the table is empty afterwards."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    from mcp_server.ml.fitting.lean_fit import early_stopping_split

    rows = 120_001
    rng = np.random.default_rng(9)
    frame = pd.DataFrame({f"x{i}": rng.normal(size=rows) for i in range(3)})
    frame.loc[rng.random(rows) < 0.3, "x1"] = np.nan
    frame["gone"] = np.nan
    y = (
        (frame["x0"] > 0).to_numpy().astype(int)
        if task == "classification"
        else rng.normal(size=rows)
    )
    model = (
        HistGradientBoostingClassifier
        if task == "classification"
        else HistGradientBoostingRegressor
    )
    pipeline = build_pipeline_like(frame.columns.tolist(), model(max_iter=3, random_state=4))
    split = early_stopping_split(pipeline.steps[-1][1], rows, y)
    assert split is not None and len(split[0]) + len(split[1]) == rows
    reference = clone(pipeline.steps[0][1])
    with pytest.warns(UserWarning, match="strategy='median'"):
        whole = reference.fit_transform(frame.copy())
    table = frame.copy()
    with pytest.warns(UserWarning, match="strategy='median'"):
        fit_part, val_part = fit_transform_owned(pipeline.steps[0][1], [table], y, split)
    assert table.shape[1] == 0
    assert np.array_equal(fit_part, whole[split[0]]) and np.array_equal(val_part, whole[split[1]])
    lean, full = clone(pipeline), clone(pipeline)
    with pytest.warns(UserWarning, match="strategy='median'"):
        full.fit(frame.copy(), y)
    with pytest.warns(UserWarning, match="strategy='median'"):
        fit_pipeline(lean, [frame.copy()], y, "hist_gradient_boosting")
    assert _state(lean) == _state(full)


def build_pipeline_like(columns: list[str], estimator: object) -> object:
    """What `build_pipeline` makes for a table of numbers and a histogram boosting model."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline

    impute = Pipeline([("impute", SimpleImputer(strategy="median"))])
    preprocess = ColumnTransformer(
        [("numeric", impute, columns)], remainder="drop", sparse_threshold=0.0
    )
    return Pipeline([("preprocess", preprocess), ("model", estimator)])


@pytest.mark.parametrize(
    ("model", "params"), [("random_forest", {"n_estimators": 3}), ("lightgbm", {"n_estimators": 5})]
)
def test_a_large_table_of_numbers_fits_other_families_to_the_same_model(
    tmp_path: Path, model: str, params: dict
):
    """No early-stopping split: the matrix is still written from the columns as the table empties,
    in the layout the transform itself makes, and the model is the one `Pipeline.fit` makes."""
    rows = 70_001
    rng = np.random.default_rng(11)
    frame = pd.DataFrame({f"x{i}": np.round(rng.normal(size=rows), 3) for i in range(4)})
    frame.loc[rng.random(rows) < 0.2, "x2"] = np.nan
    frame["gone"] = np.nan
    frame["target"] = np.where(frame["x0"] + rng.normal(0, 1, rows) > 0, "yes", "no")
    frame.to_csv(tmp_path / "t.csv", index=False)
    data = prepare(tmp_path / "t.csv", "target")
    reference = build_pipeline(data.schema, model, params, 7)
    lean = clone(reference)
    reference.fit(data.X.copy(), data.y)
    table = data.X.copy()
    fit_pipeline(lean, [table], data.y, model)
    assert table.shape[1] == 0  # every column left the table while the matrix was written
    assert _state(lean) == _state(reference)
    assert np.array_equal(lean.predict_proba(data.X), reference.predict_proba(data.X))


def test_an_infinite_number_is_refused_naming_its_column():
    from sklearn.ensemble import HistGradientBoostingClassifier

    from mcp_server.core.errors import MoaiMlError

    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": rng.normal(size=120_000), "b": rng.normal(size=120_000)})
    frame.loc[119_000, "b"] = np.inf
    y = (frame["a"] > 0).astype(int).to_numpy()
    pipeline = build_pipeline_like(["a", "b"], HistGradientBoostingClassifier())
    with pytest.raises(
        MoaiMlError, match="could not be fitted: column 'b' holds infinite values; make them empty"
    ):
        fit_pipeline(pipeline, [frame], y, "hist_gradient_boosting")


def test_a_wide_table_is_split_in_linear_time(tmp_path: Path):
    """300 rows x 3,000 columns (issue 23, low 16): removing each column from the table copied the
    rest of its block, 0.65 s a column at 10,000 columns (an inline fit never answered)."""
    import time

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(300, 3000)), columns=[f"x{i}" for i in range(3000)])
    whole = frame.copy()  # `frame` keeps the one block of 3,000 columns the table was read as
    train_idx, test_idx = np.arange(0, 300, 3), np.arange(1, 300, 3)
    started = time.perf_counter()
    train, test = split_rows(frame, train_idx, test_idx)
    assert time.perf_counter() - started < 30  # one at a time: ~10 minutes here
    assert frame.shape[1] == 0
    pd.testing.assert_frame_equal(train, whole.iloc[train_idx])
    pd.testing.assert_frame_equal(test, whole.iloc[test_idx])


def test_a_wide_table_read_from_csv_is_coerced_column_group_by_group_in_linear_time(
    tmp_path: Path,
):
    """300 x 3,000 read as the product reads it (a block per column): taking each column out of
    the table cost a pass over every block (quadratic; 27 s at 1,000 columns, issue 23, low 16)."""
    import time

    from mcp_server.ml.data.schema import Feature, Schema
    from mcp_server.ml.data.tables import load_table
    from mcp_server.ml.modeling.preprocess import coerce_frame

    rng = np.random.default_rng(0)
    names = [f"x{i}" for i in range(3000)]
    pd.DataFrame(rng.normal(size=(300, 3000)), columns=names).to_csv(
        tmp_path / "w.csv", index=False
    )
    frame = load_table(tmp_path / "w.csv")
    whole = frame.copy()
    features = [Feature(name, "numeric", False) for name in names]
    schema = Schema(target="y", task="regression", features=features, dropped={})
    started = time.perf_counter()
    out = coerce_frame(frame, schema, consume=True)
    assert time.perf_counter() - started < 30  # one column at a time: minutes here
    assert frame.shape[1] == 0 and list(out.columns) == names
    pd.testing.assert_frame_equal(out, whole.astype("float64"))
