"""Neural network families for tables, Keras 3 edition: the same MLP as `neural`, built with
Keras on the torch backend (TensorFlow is not needed to train).

The estimators follow the torch family's contract (scikit-learn API, float32 features, codes
0..k-1 for classifiers, a standardised target for regressors, a seeded validation split with
early stopping, deterministic on the CPU). A fitted estimator pickles with its network as a
`.keras` file (the backend-neutral Keras format), which is also what the TF Serving export loads
with the TensorFlow backend. `scoring_module()` copies the Dense weights into the torch head of
`neural`, so ONNX and TorchScript export this family exactly like the torch one.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

from sklearn.base import ClassifierMixin, RegressorMixin

from mcp_server.core import settings
from mcp_server.ml.modeling.neural import (  # copied into generated projects as `.neural`: one name a line
    _class_codes,
    _ClassifierHead,
    _float32,
    _RegressorHead,
    _standardised,
    _TorchMLP,
    deterministic,
    softmax,
)

# Before keras is imported anywhere in this process: training needs torch, not TensorFlow.
os.environ.setdefault(settings.KERAS_BACKEND.name, settings.KERAS_BACKEND.default)

__all__ = ["KerasMLPClassifier", "KerasMLPRegressor", "keras_bytes"]


def keras_bytes(model: Any) -> bytes:
    """A Keras model as the bytes of its `.keras` file."""
    with tempfile.TemporaryDirectory(prefix="moai-keras-") as tmp:
        path = Path(tmp) / "model.keras"
        model.save(path)
        return path.read_bytes()


def _keras_model(data: bytes) -> Any:
    import keras

    with tempfile.TemporaryDirectory(prefix="moai-keras-") as tmp:
        path = Path(tmp) / "model.keras"
        path.write_bytes(data)
        return keras.saving.load_model(path, compile=False)


class _KerasMLP(_TorchMLP):
    """The torch family's hyper-parameters; the network and its training loop are Keras'."""

    family = "keras"

    def _fit_keras(self, X: Any, y: Any, n_out: int, stratify: Any, loss: str) -> None:
        import keras
        from sklearn.model_selection import train_test_split

        self._check_params()
        split = train_test_split(
            X, y, test_size=float(self.validation_fraction), random_state=int(self.random_state), stratify=stratify
        )
        X_fit, X_val, y_fit, y_val = split
        with deterministic(self.random_state, self.n_threads), warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # keras' numpy 2 `__array__` notices, per batch
            keras.utils.set_random_seed(int(self.random_state))
            model = self._network(X.shape[1], n_out)
            objective = keras.losses.SparseCategoricalCrossentropy(from_logits=True) if loss == "logits" else loss
            model.compile(optimizer=keras.optimizers.AdamW(float(self.learning_rate), float(self.weight_decay)),
                          loss=objective)  # fmt: skip
            stop = keras.callbacks.EarlyStopping(patience=int(self.patience), restore_best_weights=True)
            history = model.fit(X_fit, y_fit, validation_data=(X_val, y_val), epochs=int(self.max_epochs),
                                batch_size=int(self.batch_size), callbacks=[stop], shuffle=True, verbose=0)  # fmt: skip
        self.model_ = model
        self.n_features_in_ = X.shape[1]
        self.n_epochs_ = len(history.history["loss"])

    def _network(self, n_in: int, n_out: int) -> Any:
        import keras

        from mcp_server.ml.modeling.neural import hidden_sizes

        layers: list[Any] = [keras.Input((n_in,), dtype="float32")]
        for size in hidden_sizes(self.hidden_units, self.n_layers):
            layers.append(keras.layers.Dense(size, activation="relu"))
            if float(self.dropout) > 0:
                layers.append(keras.layers.Dropout(float(self.dropout)))
        layers.append(keras.layers.Dense(n_out))
        return keras.Sequential(layers)

    def _forward(self, X: Any) -> Any:
        import keras
        import torch
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "model_")
        with deterministic(self.random_state, self.n_threads), torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return keras.ops.convert_to_numpy(self.model_(torch.from_numpy(_float32(X)), training=False))

    def torch_network(self) -> Any:
        """The Dense layers as a torch `nn.Sequential` with the same weights (for ONNX/TorchScript)."""
        import keras
        import torch
        from torch import nn

        layers: list[Any] = []
        dense = [layer for layer in self.model_.layers if isinstance(layer, keras.layers.Dense)]
        for i, layer in enumerate(dense):
            kernel, bias = (keras.ops.convert_to_numpy(w) for w in layer.weights)
            linear = nn.Linear(kernel.shape[0], kernel.shape[1])
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(kernel.T.copy()))
                linear.bias.copy_(torch.from_numpy(bias.copy()))
            layers += [linear] if i == len(dense) - 1 else [linear, nn.ReLU()]
        return nn.Sequential(*layers).eval()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if "model_" in state:
            state["model_"] = keras_bytes(state["model_"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if isinstance(state.get("model_"), bytes):
            state = {**state, "model_": _keras_model(state["model_"])}
        self.__dict__.update(state)


class KerasMLPClassifier(ClassifierMixin, _KerasMLP):  # type: ignore[misc]
    """A Keras 3 MLP classifier (torch backend): softmax over the classes seen in `fit`."""

    def fit(self, X: Any, y: Any) -> KerasMLPClassifier:
        self.classes_, codes = _class_codes(y)
        self._fit_keras(_float32(X), codes, len(self.classes_), codes, "logits")
        return self

    def predict_proba(self, X: Any) -> Any:
        return softmax(self._forward(X))

    def predict(self, X: Any) -> Any:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def scoring_module(self) -> Any:
        return _ClassifierHead(self.torch_network(), self.classes_)


class KerasMLPRegressor(RegressorMixin, _KerasMLP):  # type: ignore[misc]
    """A Keras 3 MLP regressor (torch backend) on a standardised target."""

    def fit(self, X: Any, y: Any) -> KerasMLPRegressor:
        self.y_mean_, self.y_scale_, target = _standardised(y)
        self._fit_keras(_float32(X), target, 1, None, "mse")
        return self

    def predict(self, X: Any) -> Any:
        import numpy as np

        return self._forward(X).astype(np.float64).ravel() * self.y_scale_ + self.y_mean_

    def scoring_module(self) -> Any:
        return _RegressorHead(self.torch_network(), self.y_mean_, self.y_scale_)
