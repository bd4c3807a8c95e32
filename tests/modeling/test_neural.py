"""The PyTorch (skorch) MLP family: a scikit-learn estimator in the registry, fitted through the
same domain functions as every model (train, compare, evaluate) on the example tables."""

from __future__ import annotations

import io
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.base import clone

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.fitting.compare import CompareRequest, compare_job
from mcp_server.ml.fitting.evaluation import EvaluateRequest, evaluate_job
from mcp_server.ml.fitting.training import TrainRequest, train_job
from mcp_server.ml.modeling.catalog import fast_first, get_spec
from mcp_server.ml.modeling.dataset import prepare
from mcp_server.ml.modeling.estimators import make_estimator
from mcp_server.ml.modeling.preprocess import build_pipeline
from mcp_server.ml.modeling.registry import REGISTRY
from tests.support import EXAMPLES

pytest.importorskip("skorch")
DATA = EXAMPLES / "data"


def _blobs(seed: int = 0, labels: tuple[int, int] = (0, 1)) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(240, 4))
    y = np.where(X[:, 0] + 0.5 * X[:, 1] > 0, labels[1], labels[0])
    return X, y


def test_the_torch_family_is_in_the_registry_for_every_task_with_a_search_space():
    spec = get_spec("torch_mlp")
    assert (
        spec.tasks == ("binary", "multiclass", "regression")
        and spec.extra == "dl"
        and spec.available()
    )
    assert {"hidden_units", "learning_rate", "dropout"} <= set(
        spec.search_space
    ) and spec.needs_scaling
    assert "torch_mlp" not in fast_first("binary")  # seconds per fit: compared when named


def test_the_estimators_clone_keep_their_params_and_refuse_bad_ones():
    model = make_estimator("torch_mlp", "binary", {"hidden_units": 16}, seed=7)
    copy = clone(model)
    assert (
        copy.get_params() == model.get_params()
        and copy.random_state == 7
        and copy.hidden_units == 16
    )
    with pytest.raises(MoaiMlError, match="invalid params for torch_mlp"):
        make_estimator("torch_mlp", "binary", {"no_such_param": 1})
    with pytest.raises(MoaiMlError, match="'validation_fraction' parameter of TorchMLPClassifier"):
        make_estimator("torch_mlp", "binary", {"validation_fraction": 0.9})
    # no 10**9-wide layer in memory
    with pytest.raises(MoaiMlError, match="'hidden_units' parameter"):
        make_estimator("torch_mlp", "regression", {"hidden_units": 10**9})


@pytest.mark.slow  # fits a network
def test_one_seed_gives_one_model_and_another_seed_another():
    X, y = _blobs()
    first = make_estimator("torch_mlp", "binary", seed=3).fit(X, y).predict_proba(X)
    again = make_estimator("torch_mlp", "binary", seed=3).fit(X, y).predict_proba(X)
    other = make_estimator("torch_mlp", "binary", seed=4).fit(X, y).predict_proba(X)
    assert np.array_equal(first, again) and not np.array_equal(first, other)


@pytest.mark.slow  # fits a network
def test_early_stopping_ends_training_before_max_epochs_and_the_classifier_answers_in_its_labels():
    X, y = _blobs(labels=(3, 7))
    model = make_estimator("torch_mlp", "binary", {"max_epochs": 300, "patience": 5}, seed=0).fit(
        X, y
    )
    assert model.n_epochs_ < 300 and set(model.predict(X)) <= {3, 7}
    assert list(model.classes_) == [3, 7] and model.predict_proba(X).shape == (240, 2)
    assert (model.predict(X) == y).mean() > 0.9


@pytest.mark.slow  # fits a network
def test_the_fitted_pipeline_survives_joblib_and_predicts_the_same():
    data = prepare(DATA / "customers.csv", "segment")
    pipeline = build_pipeline(data.schema, "torch_mlp", None, 0).fit(data.X, data.y)
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer)
    buffer.seek(0)
    restored = joblib.load(buffer)
    assert np.array_equal(restored.predict_proba(data.X), pipeline.predict_proba(data.X))
    assert set(pipeline.predict(data.X)) <= set(range(len(data.schema.classes)))


@pytest.mark.slow  # fits a network
def test_train_job_fits_scores_and_stages_the_torch_pipeline(tmp_path: Path):
    outcome = train_job(
        TrainRequest(str(DATA / "breast_cancer.csv"), "target", "torch_mlp", str(tmp_path))
    )
    assert outcome.model == "torch_mlp" and outcome.task == "binary"
    assert outcome.metrics["roc_auc"] > 0.95 and outcome.estimator_params["hidden_units"] == 64
    requirements = (tmp_path / "model/requirements.txt").read_text()
    assert "torch==2.13.0" in requirements and "skorch==" in requirements


@pytest.mark.slow  # fits a network
def test_regression_trains_on_a_standardised_target_and_evaluates_on_its_holdout(tmp_path: Path):
    staging = tmp_path / "train"
    staging.mkdir()
    data_path = str(DATA / "diabetes.csv")
    outcome = train_job(TrainRequest(data_path, "progression", "torch_mlp", str(staging)))
    assert (
        outcome.task == "regression"
        and outcome.metrics["r2"] > 0.3
        and outcome.metrics["rmse"] < 70
    )
    import mlflow.sklearn

    mlflow.sklearn.load_model(str(staging / "model"))  # the staged MLflow model loads
    (tmp_path / "eval").mkdir()
    joblib.dump(mlflow.sklearn.load_model(str(staging / "model")), tmp_path / "model.joblib")
    evaluated = evaluate_job(
        EvaluateRequest(
            model_path=str(tmp_path / "model.joblib"),
            schema=outcome.schema,
            data_path=data_path,
            staging=str(tmp_path / "eval"),
            model="torch_mlp",
            holdout_index=str(staging / "holdout_index.npy"),
            cv_folds=3,
            plots=False,
            trusted=True,  # the test's own file, not a signed run
        )
    )
    assert evaluated.metrics["rmse"] == pytest.approx(outcome.metrics["rmse"], rel=1e-6)
    assert evaluated.cv is not None and evaluated.cv["rmse"]["mean"] > 0


@pytest.mark.slow  # fits a network
def test_compare_cross_validates_the_torch_family_beside_a_linear_model():
    outcome = compare_job(
        CompareRequest(
            str(DATA / "customers.csv"),
            "segment",
            models=["torch_mlp", "logistic_regression"],
            cv_folds=3,
        )
    )
    by_name = {c.model: c for c in outcome.candidates}
    assert by_name["torch_mlp"].status == "ok", by_name["torch_mlp"].message
    assert by_name["torch_mlp"].cv["f1_macro"]["mean"] > 0.6
    assert REGISTRY["torch_mlp"].in_defaults is False
