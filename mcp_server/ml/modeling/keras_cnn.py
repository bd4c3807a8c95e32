"""STABLE IMPORT PATH (pickled fitted models name it): never move or rename.

A small convolutional network trained from scratch with Keras 3 (on the torch backend, like
`keras_mlp`: TensorFlow is not needed), as a scikit-learn classifier of images; the Keras twin
of `image_cnn`. `fit(X, y)` takes the images (a table whose first column holds file paths, or any
list of paths, bytes or PIL images, see `image_io`) and the class codes. The input size and
colour mode are fitted state; the augmentation (random rotation, shift and zoom times `augment`,
active only while training) and the per-channel normalisation are layers of the Keras model, so
the pickled model (its network kept as `.keras` bytes) predicts on a raw image file or bytes.
Training holds out the seeded, stratified validation share `image_cnn` draws and stops early on
its loss (Keras' `EarlyStopping`, the best epoch's weights restored); `history_` holds each
epoch's training and validation loss, as `image_cnn`'s does. Seeded Keras and torch with
deterministic algorithms and a fixed thread count: one seed gives one model on the CPU.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from mcp_server.ml.modeling.image_cnn import (
    ImageCNNClassifier,
    inference_graph,
    prepared_images,
)
from mcp_server.ml.modeling.image_io import load_tensor, torch_threads

# keras_mlp sets the Keras backend (torch) before keras is imported anywhere in this process
from mcp_server.ml.modeling.keras_mlp import _keras_model, keras_bytes
from mcp_server.ml.modeling.neural import deterministic, softmax

__all__ = ["KerasCNNClassifier"]

BATCH = 256  # images per forward pass when predicting


def _channels_last(pixels: Any) -> Any:
    """N x C x S x S torch pixels in [0, 1] as an N x S x S x C float32 array (Keras' layout)."""
    return np.ascontiguousarray(pixels.numpy().transpose(0, 2, 3, 1), dtype=np.float32)


def _augmentation(strength: float, seed: int) -> list[Any]:
    """Rotation up to 20 degrees, shift 10 % and zoom +-10 %, times `strength` (none at 0)."""
    import keras

    if strength <= 0:
        return []
    fill = {"fill_mode": "nearest", "seed": seed}
    return [
        keras.layers.RandomRotation(20 / 360 * strength, **fill),
        keras.layers.RandomTranslation(0.1 * strength, 0.1 * strength, **fill),
        keras.layers.RandomZoom(0.1 * strength, **fill),
    ]


def _block(filters: int) -> list[Any]:
    import keras

    return [
        keras.layers.Conv2D(filters, 3, padding="same", use_bias=False),
        keras.layers.BatchNormalization(momentum=0.9),  # torch's 0.1 update
        keras.layers.ReLU(),
    ]


def build_network(
    est: KerasCNNClassifier, channels: int, n_classes: int, mean: Any, variance: Any
) -> Any:
    """Augmentation, normalisation, the conv blocks of `image_cnn.SmallCNN`, a linear head."""
    import keras

    w, size = int(est.width), int(est.image_size_)
    layers: list[Any] = [keras.Input((size, size, channels), dtype="float32")]
    layers += _augmentation(float(est.augment), int(est.random_state or 0))
    layers.append(keras.layers.Normalization(axis=-1, mean=mean, variance=variance))
    layers += [*_block(w), *_block(w), keras.layers.MaxPooling2D(2)]
    layers += [*_block(2 * w), *_block(2 * w), keras.layers.MaxPooling2D(2)]
    layers += [*_block(4 * w), keras.layers.GlobalAveragePooling2D()]
    layers += [keras.layers.Dropout(float(est.dropout)), keras.layers.Dense(n_classes)]
    return keras.Sequential(layers)


def _channels_first(model: Any) -> Any:
    """`model` (N x S x S x C, Keras' layout) as a torch module taking N x C x S x S in inference
    mode: what `image_cnn.SmallCNN` takes, so the ONNX route of image_cnn exports it unchanged."""
    from torch import nn

    class ChannelsFirst(nn.Module):
        def __init__(self, network: Any) -> None:
            super().__init__()
            self.network = network

        def forward(self, pixels: Any) -> Any:
            return self.network(pixels.permute(0, 2, 3, 1), training=False)

    return ChannelsFirst(model).eval()


class KerasCNNClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """See the module doc. `image_size=None` fits the images' most common side (16 to 64)."""

    def __init__(
        self,
        image_size: int | None = None,
        width: int = 16,
        dropout: float = 0.2,
        learning_rate: float = 3e-3,
        weight_decay: float = 1e-4,
        batch_size: int = 64,
        max_epochs: int = 40,
        patience: int = 6,
        validation_fraction: float = 0.1,
        augment: float = 0.5,
        color: str = "auto",
        random_state: int | None = 0,
        n_threads: int = 1,
    ) -> None:
        self.image_size = image_size
        self.width = width
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.augment = augment
        self.color = color
        self.random_state = random_state
        self.n_threads = n_threads

    # the same parameters as image_cnn's, with the same valid ranges: one table
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = (
        ImageCNNClassifier._parameter_constraints
    )

    def fit(self, X: Any, y: Any) -> KerasCNNClassifier:
        self._validate_params()
        tensor, codes, (train, valid) = prepared_images(self, X, y)
        pixels = _channels_last(tensor)
        del tensor
        seed = int(self.random_state or 0)
        mean = pixels[train].mean(axis=(0, 1, 2))
        variance = np.maximum(pixels[train].var(axis=(0, 1, 2)), 1e-6)
        with deterministic(seed, self.n_threads), warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # keras' numpy 2 notices
            self.history_ = self._train(pixels, codes, (train, valid), mean, variance)
        self.n_epochs_ = len(self.history_)
        return self

    def _train(
        self, pixels: Any, codes: Any, positions: tuple[Any, Any], mean: Any, variance: Any
    ) -> list[dict[str, float]]:
        import keras

        train, valid = positions
        keras.utils.set_random_seed(int(self.random_state or 0))
        model = build_network(self, pixels.shape[-1], len(self.classes_), mean, variance)
        model.compile(
            optimizer=keras.optimizers.AdamW(float(self.learning_rate), float(self.weight_decay)),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        stop = keras.callbacks.EarlyStopping(
            patience=int(self.patience), restore_best_weights=True, min_delta=1e-4
        )
        fitted = model.fit(
            pixels[train],
            codes[train],
            validation_data=(pixels[valid], codes[valid]),
            epochs=int(self.max_epochs),
            batch_size=int(self.batch_size),
            callbacks=[stop],
            shuffle=True,
            verbose=0,
        )
        self.model_ = model
        losses = zip(fitted.history["loss"], fitted.history["val_loss"], strict=True)
        return [
            {"epoch": i + 1, "loss": float(loss), "valid_loss": float(valid_loss)}
            for i, (loss, valid_loss) in enumerate(losses)
        ]

    def _logits(self, X: Any) -> Any:
        import torch

        check_is_fitted(self, "model_")
        pixels = load_tensor(X, self.image_size_, self.color_)
        out = []
        with torch_threads(self.n_threads), torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # keras' numpy 2 notices
            network = inference_graph(self.model_, self.image_module(), pixels)
            for start in range(0, len(pixels), BATCH):
                out.append(network(pixels[start : start + BATCH]).numpy())
        return np.concatenate(out) if out else np.zeros((0, len(self.classes_)))

    def predict_proba(self, X: Any) -> Any:
        return softmax(self._logits(X))

    def predict(self, X: Any) -> Any:
        return self.classes_[np.argmax(self._logits(X), axis=1)]

    def image_module(self) -> Any:
        """The fitted network as a torch module (Keras' torch backend) with image_cnn's contract:
        N x C x S x S pixels in [0, 1] -> class logits; augmentation off (`training=False`)."""
        check_is_fitted(self, "model_")
        return _channels_first(self.model_)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if "model_" in state:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # keras' numpy 2 notices
                state["model_"] = keras_bytes(state["model_"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if isinstance(state.get("model_"), bytes):
            state = {**state, "model_": _keras_model(state["model_"])}
        self.__dict__.update(state)
