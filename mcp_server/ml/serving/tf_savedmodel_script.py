"""Build a TF Serving SavedModel from a Keras MLP and its fitted preprocessing (a standalone
script).

It runs in the TensorFlow venv (MOAI_ML_TF_PYTHON; see scripts/setup_tf_venv.sh), so it
imports only the standard library, numpy, TensorFlow and Keras, never this package:

    python tf_savedmodel_script.py build SPEC.json MODEL.keras EXPORT_DIR
    python tf_savedmodel_script.py build-image MODEL.keras EXPORT_DIR
    python tf_savedmodel_script.py check EXPORT_DIR REQUEST.json MODELS.config

`build` writes a SavedModel whose `serving_default` signature takes the raw features as two
tensors, `numbers` float32 [N, k] (NaN = missing) and `strings` string [N, m] ("" = missing),
applies the pipeline's preprocessing in TensorFlow (median imputation, standard scaling, the
constant imputation and one-hot encoding of categories, unseen ones all zeros), then the
network, and answers `label` + `probabilities` (classifiers) or `prediction` (regressors).
`build-image` writes the SavedModel of an image network (`keras_cnn`): `pixels` float32
[N, C, S, S] in [0, 1] in, the ONNX route's input, `label` + `probabilities` out.
`check` parses models.config with tensorflow-serving-api's protos, feeds the REST body (the
row format TF Serving accepts, `{"instances": [...]}`) to the signature, and prints the answers.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def build(spec_path: str, keras_path: str, export_dir: str) -> None:
    import keras
    import tensorflow as tf

    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    network = keras.saving.load_model(keras_path, compile=False)
    numeric, categorical = spec["numeric"], spec["categorical"]
    k, m = len(numeric["columns"]), len(categorical["columns"])
    median = tf.constant(numeric["median"] or [0.0], tf.float32)
    mean = tf.constant(numeric["mean"] or [0.0], tf.float32)
    scale = tf.constant(numeric["scale"] or [1.0], tf.float32)
    categories = [tf.constant(c, tf.string) for c in categorical["categories"]]
    missing = tf.constant(categorical["missing"], tf.string)

    class Served(tf.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def answer(self, numbers: Any, strings: Any) -> dict[str, Any]:
            parts = []
            if k:
                filled = tf.where(tf.math.is_nan(numbers), median, numbers)
                parts.append((filled - mean) / scale)
            for j, cats in enumerate(categories):
                column = tf.where(strings[:, j] == "", missing, strings[:, j])
                parts.append(tf.cast(tf.equal(column[:, None], cats[None, :]), tf.float32))
            output = self.network(tf.concat(parts, axis=1), training=False)
            if spec["task"] == "regression":
                return {"prediction": output[:, 0] * spec["y_scale"] + spec["y_mean"]}
            probabilities = tf.nn.softmax(output, axis=1)
            return {"label": tf.argmax(probabilities, axis=1), "probabilities": probabilities}

    served = Served()
    numbers_spec = tf.TensorSpec([None, k], tf.float32, name="numbers")
    strings_spec = tf.TensorSpec([None, m], tf.string, name="strings")
    if k and m:
        signature = tf.function(served.answer, input_signature=[numbers_spec, strings_spec])
    elif k:  # only the inputs the table has: a REST body never carries an empty list
        signature = tf.function(
            lambda numbers: served.answer(numbers, None), input_signature=[numbers_spec]
        )
    else:
        signature = tf.function(
            lambda strings: served.answer(None, strings), input_signature=[strings_spec]
        )
    tf.saved_model.save(served, export_dir, signatures={"serving_default": signature})


def build_image(keras_path: str, export_dir: str) -> None:
    """An image network (`keras_cnn`): `pixels` float32 [N, C, S, S] in [0, 1], the ONNX
    route's input, to `label` + `probabilities`; its augmentation off (`training=False`), its
    normalisation a layer of the network."""
    import keras
    import tensorflow as tf

    trained = keras.saving.load_model(keras_path, compile=False)
    _, size, _, channels = (int(d or 0) for d in trained.inputs[0].shape)  # N x S x S x C
    # the augmentation (Random* layers) is the identity at inference and its seed state cannot
    # be saved: the served network is the trained one's other layers, weights shared
    kept = [layer for layer in trained.layers if not type(layer).__name__.startswith("Random")]
    network = keras.Sequential([keras.Input((size, size, channels)), *kept])

    class Served(tf.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def answer(self, pixels: Any) -> dict[str, Any]:
            logits = self.network(tf.transpose(pixels, [0, 2, 3, 1]), training=False)
            probabilities = tf.nn.softmax(logits, axis=1)
            return {"label": tf.argmax(probabilities, axis=1), "probabilities": probabilities}

    served = Served()
    pixels = tf.TensorSpec([None, channels, size, size], tf.float32, name="pixels")
    signature = tf.function(served.answer, input_signature=[pixels])
    tf.saved_model.save(served, export_dir, signatures={"serving_default": signature})


def check(export_dir: str, request_path: str, config_path: str) -> None:
    import numpy as np
    import tensorflow as tf
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    config = text_format.Parse(
        Path(config_path).read_text(encoding="utf-8"), model_server_config_pb2.ModelServerConfig()
    )
    body = json.loads(Path(request_path).read_text(encoding="utf-8"))
    signature = tf.saved_model.load(export_dir).signatures[
        body.get("signature_name", "serving_default")
    ]
    specs = signature.structured_input_signature[1]
    feeds = {
        name: tf.constant(
            np.array(
                [row[name] for row in body["instances"]],
                dtype=object if s.dtype == tf.string else s.dtype.as_numpy_dtype,
            ),
            dtype=s.dtype,
        )
        for name, s in specs.items()
    }
    answers = {key: value.numpy().tolist() for key, value in signature(**feeds).items()}
    models = [
        {"name": c.name, "base_path": c.base_path, "platform": c.model_platform}
        for c in config.model_config_list.config
    ]
    sys.stdout.write(json.dumps({"models": models, "answers": answers}) + "\n")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    commands: dict[str, Callable[..., None]] = {
        "build": build,
        "build-image": build_image,
        "check": check,
    }
    commands[command](*args)
