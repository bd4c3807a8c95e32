"""TorchServe takes the PyTorch networks the registry gives it (table, image, text), TF Serving
the Keras one; a table network numbers and categories only: the refusals, word for word, before
anything is built."""

from __future__ import annotations

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.data.schema import Feature, Schema
from mcp_server.ml.serving.families import check_runtime

pytest.importorskip("torch")
pytest.importorskip("skorch")


def _schema(*kinds: str) -> Schema:
    features = [Feature(f"{kind}_col", kind, nullable=False) for kind in kinds]
    return Schema("y", "binary", features, {}, classes=[0, 1])


def _pipeline(estimator: object) -> Pipeline:
    return Pipeline([("preprocess", "passthrough"), ("model", estimator)])


@pytest.mark.parametrize(
    ("runtime", "message"),
    [
        (
            "torchserve",
            "runtime 'torchserve' serves the PyTorch families (models torch_mlp, image_cnn, "
            "text_transformer); this run's model is LogisticRegression. Use runtime='onnx' (any "
            "model) instead",
        ),
        (
            "tfserving",
            "runtime 'tfserving' serves the Keras families (models keras_mlp, keras_cnn); this "
            "run's model is LogisticRegression. Use runtime='onnx' (any model) instead",
        ),
    ],
)
def test_a_model_of_another_family_is_refused_and_pointed_to_onnx(runtime: str, message: str):
    with pytest.raises(MoaiMlError) as refused:
        check_runtime(_pipeline(LogisticRegression()), _schema("numeric"), runtime)
    assert str(refused.value) == message


def test_a_torch_run_with_a_date_or_text_column_is_refused_by_torchserve():
    from mcp_server.ml.modeling.neural import TorchMLPClassifier

    pipeline = _pipeline(TorchMLPClassifier())
    check_runtime(pipeline, _schema("numeric", "categorical", "boolean"), "torchserve")  # served
    with pytest.raises(MoaiMlError) as refused:
        check_runtime(pipeline, _schema("numeric", "datetime", "text"), "torchserve")
    expected = (
        "the TorchServe handler takes numbers and categories only; retrain with "
        "drop=['datetime_col', 'text_col'] (ml_train), or pass runtime='joblib'"
    )
    assert str(refused.value) == expected
    with pytest.raises(MoaiMlError, match="serves the Keras families"):
        check_runtime(pipeline, _schema("numeric"), "tfserving")  # a torch model is no Keras model


def test_a_keras_run_with_a_date_column_is_refused_by_tf_serving():
    keras_mlp = pytest.importorskip(
        "mcp_server.ml.modeling.keras_mlp"
    )  # sets KERAS_BACKEND=torch first

    pipeline = _pipeline(keras_mlp.KerasMLPClassifier())
    check_runtime(pipeline, _schema("numeric", "categorical"), "tfserving")  # served
    with pytest.raises(MoaiMlError) as refused:
        check_runtime(pipeline, _schema("datetime"), "tfserving")
    assert str(refused.value) == (
        "the SavedModel takes numbers and categories only; retrain with drop=['datetime_col'] "
        "(ml_train), or pass runtime='joblib'"
    )


def test_torchserve_takes_the_cnn_and_the_transformer_and_refuses_the_pretrained_text_model():
    from mcp_server.ml.modeling.image_cnn import ImageCNNClassifier
    from mcp_server.ml.modeling.text_transformer import TextTransformerClassifier

    # a text network reads its own text column; the CNN its image column
    check_runtime(_pipeline(TextTransformerClassifier()), _schema("text", "numeric"), "torchserve")
    check_runtime(_pipeline(ImageCNNClassifier()), _schema("image"), "torchserve")
    pretrained = pytest.importorskip("mcp_server.ml.modeling.text_pretrained")
    with pytest.raises(MoaiMlError) as refused:
        check_runtime(
            _pipeline(pretrained.PretrainedTextClassifier()), _schema("text"), "torchserve"
        )
    message = str(refused.value)
    assert message.endswith(
        "this run's model is PretrainedTextClassifier. Use runtime='joblib' (it tokenizes as "
        "training did) instead"
    )
    assert "\n" not in message
