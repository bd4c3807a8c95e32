"""The Keras 3 MLP family (torch backend): the torch family's contract, the same chain, and ONNX
through the same torch head (its Dense weights copied), proven by the parity check."""

from __future__ import annotations

import io
import os
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.base import clone

from mcp_server.files.workspace import Workspace
from mcp_server.ml.export.formats import export_pipeline
from mcp_server.ml.fitting.compare import CompareRequest, compare_job
from mcp_server.ml.fitting.training import TrainRequest, train_job
from mcp_server.ml.modeling.catalog import get_spec
from mcp_server.ml.modeling.estimators import make_estimator
from tests.export_support import fit
from tests.support import EXAMPLES

os.environ.setdefault("KERAS_BACKEND", "torch")  # as keras_mlp sets it, before keras is imported
pytest.importorskip("keras")
pytestmark = pytest.mark.slow


def _blobs(labels: tuple[str, str] = ("no", "yes")) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(240, 4))
    return X, np.where(X[:, 0] - 0.5 * X[:, 2] > 0, labels[1], labels[0])


def test_the_keras_family_trains_on_the_torch_backend_seeded_and_in_its_labels():
    import keras

    assert get_spec("keras_mlp").tasks == ("binary", "multiclass", "regression")
    X, y = _blobs()
    model = make_estimator("keras_mlp", "binary", {"max_epochs": 300, "patience": 5}, seed=2).fit(
        X, y
    )
    again = clone(model).fit(X, y)
    assert keras.backend.backend() == os.environ["KERAS_BACKEND"] == "torch"
    assert np.array_equal(model.predict_proba(X), again.predict_proba(X)) and model.n_epochs_ < 300
    assert set(model.predict(X)) <= {"no", "yes"} and (model.predict(X) == y).mean() > 0.9
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    assert np.array_equal(joblib.load(buffer).predict_proba(X), model.predict_proba(X))


def test_train_and_compare_accept_the_keras_family(tmp_path: Path):
    data = str(EXAMPLES / "data" / "diabetes.csv")
    outcome = train_job(TrainRequest(data, "progression", "keras_mlp", str(tmp_path)))
    assert outcome.model == "keras_mlp" and outcome.metrics["r2"] > 0.3
    board = compare_job(
        CompareRequest(
            str(EXAMPLES / "data" / "breast_cancer.csv"),
            "target",
            models=["keras_mlp"],
            cv_folds=3,
            drop=["patient_id"],
        )
    )
    assert board.candidates[0].status == "ok" and board.candidates[0].cv["roc_auc"]["mean"] > 0.95


def test_the_keras_pipeline_exports_to_onnx_that_passes_parity(tmp_path: Path):
    fitted = fit("multiclass", "keras_mlp")
    exported = export_pipeline(
        Workspace(tmp_path), "k1", fitted.pipeline, fitted.schema, "keras_mlp", "onnx", fitted.raw
    )
    assert (
        exported.parity is not None
        and exported.parity.passed
        and exported.parity.label_agreement == 1.0
    )
    assert exported.parity.max_abs_diff < 1e-5
