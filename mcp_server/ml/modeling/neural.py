"""Neural network families for tables: a PyTorch MLP trained through skorch.

The estimators are scikit-learn estimators (clone, get_params, Pipelines, joblib) that sit
after the moai preprocessing like any other model: they take the preprocessed float matrix
(cast to float32), classifiers predict the codes 0..k-1 the pipeline trains on
(`preprocess.encode_target`) and regressors standardise the target internally. Training holds
out a seeded validation split and stops early on its loss; it runs with torch's deterministic
algorithms and a fixed thread count, so one seed gives one model on the CPU.

`scoring_module()` gives the network as one torch module from float32 features to what a
service answers (label + probabilities, or the prediction): TorchScript, ONNX and TorchServe
all export that module.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from numbers import Integral, Real
from typing import Any, ClassVar

import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils._param_validation import Interval
from torch import nn

__all__ = ["TorchMLPClassifier", "TorchMLPRegressor", "deterministic", "hidden_sizes", "is_neural"]


def hidden_sizes(hidden_units: int, n_layers: int) -> list[int]:
    """Layer widths: `hidden_units`, then halving (never below 8)."""
    return [max(8, int(hidden_units) // (2**i)) for i in range(int(n_layers))]


@contextlib.contextmanager
def deterministic(seed: int, threads: int) -> Iterator[None]:
    """Seeded torch, deterministic algorithms and a fixed thread count; restored afterwards."""
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    was_threads = torch.get_num_threads()
    torch.manual_seed(int(seed))
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(max(1, int(threads)))
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(was_deterministic)
        torch.set_num_threads(was_threads)


def _quiet(*_: Any) -> None:
    """Early stopping's message sink: the server never prints (stdout is the MCP channel)."""


def softmax(logits: Any) -> Any:
    """Class probabilities from a network's logits (float64, numerically stable)."""
    import numpy as np

    shifted = logits.astype(np.float64)
    shifted -= shifted.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _float32(X: Any) -> Any:
    import numpy as np

    return np.ascontiguousarray(np.asarray(X, dtype=np.float32))


def _class_codes(y: Any) -> tuple[Any, Any]:
    """A classifier's `classes_` (the sorted labels of `y`) and each row's code 0..k-1 as int64."""
    import numpy as np

    classes, codes = np.unique(np.asarray(y), return_inverse=True)
    if len(classes) < 2:
        raise ValueError("the classifier needs at least 2 classes in y")
    return classes, codes.astype(np.int64)


def _standardised(y: Any) -> tuple[float, float, Any]:
    """A regressor's target mean and scale (1 for a constant target), and the target standardised
    by them as float32 [N, 1]."""
    import numpy as np

    y = np.asarray(y, dtype=np.float64).ravel()
    mean, scale = float(y.mean()), float(y.std()) or 1.0
    return mean, scale, ((y - mean) / scale).astype(np.float32).reshape(-1, 1)


def _network(n_in: int, n_out: int, hidden_units: int, n_layers: int, dropout: float) -> Any:
    """A plain `nn.Sequential` (Linear, ReLU, Dropout)* + Linear: picklable without our code."""
    layers: list[Any] = []
    width = n_in
    for size in hidden_sizes(hidden_units, n_layers):
        layers += [nn.Linear(width, size), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(float(dropout)))
        width = size
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


class _TorchMLP(BaseEstimator):  # type: ignore[misc]
    """Shared hyper-parameters and training loop of the two torch families."""

    family = "torch"  # what runs it: TorchServe serves this family (TorchScript)

    def __init__(
        self,
        hidden_units: int = 64,
        n_layers: int = 2,
        dropout: float = 0.1,
        learning_rate: float = 3e-3,
        weight_decay: float = 1e-4,
        batch_size: int = 64,
        max_epochs: int = 200,
        patience: int = 10,
        validation_fraction: float = 0.15,
        random_state: int = 0,
        n_threads: int = 1,
    ) -> None:
        self.hidden_units = hidden_units
        self.n_layers = n_layers
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.n_threads = n_threads

    # Bounded, so a caller's params can neither exhaust memory (a 10**9-wide layer) nor run forever;
    # the registry checks them before any fit (`_validate_params`), the fit checks them again.
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "hidden_units": [Interval(Integral, 1, 4096, closed="both")],
        "n_layers": [Interval(Integral, 0, 8, closed="both")],
        "dropout": [Interval(Real, 0.0, 1.0, closed="left")],
        "learning_rate": [Interval(Real, 0.0, 1.0, closed="right")],
        "weight_decay": [Interval(Real, 0.0, 1.0, closed="both")],
        "batch_size": [Interval(Integral, 1, 65536, closed="both")],
        "max_epochs": [Interval(Integral, 1, 10000, closed="both")],
        "patience": [Interval(Integral, 1, 1000, closed="both")],
        "validation_fraction": [Interval(Real, 0.0, 0.5, closed="neither")],
        "random_state": [Interval(Integral, 0, None, closed="left")],
        "n_threads": [Interval(Integral, 1, 64, closed="both")],
    }

    def _check_params(self) -> None:
        self._validate_params()

    def _fit_net(self, net_class: Any, X: Any, y: Any, n_out: int, stratified: bool, **extra: Any) -> Any:
        from skorch.callbacks import EarlyStopping
        from skorch.dataset import ValidSplit

        self._check_params()
        with deterministic(self.random_state, self.n_threads):
            module = _network(X.shape[1], n_out, self.hidden_units, self.n_layers, self.dropout)
            net = net_class(
                module=module, optimizer=torch.optim.AdamW, lr=float(self.learning_rate),
                optimizer__weight_decay=float(self.weight_decay), batch_size=int(self.batch_size),
                max_epochs=int(self.max_epochs), iterator_train__shuffle=True, device="cpu", verbose=0,
                train_split=ValidSplit(float(self.validation_fraction), stratified=stratified,
                                       random_state=int(self.random_state)),
                callbacks=[("early_stopping", EarlyStopping(patience=int(self.patience), load_best=True,
                                                            sink=_quiet))],
                **extra,
            )  # fmt: skip
            net.fit(X, y)
        self.n_features_in_ = X.shape[1]
        self.n_epochs_ = len(net.history)
        return net

    def _forward(self, X: Any) -> Any:
        """The network's raw output for float32 features (logits or standardised values)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "net_")
        module = self.net_.module_
        module.eval()
        with deterministic(self.random_state, self.n_threads), torch.no_grad():
            return module(torch.from_numpy(_float32(X))).numpy()


class TorchMLPClassifier(ClassifierMixin, _TorchMLP):  # type: ignore[misc]
    """A PyTorch MLP classifier (skorch): softmax over the classes seen in `fit`."""

    def fit(self, X: Any, y: Any) -> TorchMLPClassifier:
        from skorch import NeuralNetClassifier

        self.classes_, codes = _class_codes(y)
        self.net_ = self._fit_net(NeuralNetClassifier, _float32(X), codes, len(self.classes_), True,
                                  criterion=nn.CrossEntropyLoss)  # fmt: skip
        return self

    def predict_proba(self, X: Any) -> Any:
        return softmax(self._forward(X))

    def predict(self, X: Any) -> Any:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def scoring_module(self) -> Any:
        """float32 [N, d] -> (label int64 [N], probabilities float32 [N, k])."""
        return _ClassifierHead(self.net_.module_, self.classes_)


class TorchMLPRegressor(RegressorMixin, _TorchMLP):  # type: ignore[misc]
    """A PyTorch MLP regressor (skorch) on a standardised target."""

    def fit(self, X: Any, y: Any) -> TorchMLPRegressor:
        from skorch import NeuralNetRegressor

        self.y_mean_, self.y_scale_, target = _standardised(y)
        self.net_ = self._fit_net(NeuralNetRegressor, _float32(X), target, 1, False)
        return self

    def predict(self, X: Any) -> Any:
        import numpy as np

        return self._forward(X).astype(np.float64).ravel() * self.y_scale_ + self.y_mean_

    def scoring_module(self) -> Any:
        """float32 [N, d] -> prediction float32 [N, 1] (the target's own scale)."""
        return _RegressorHead(self.net_.module_, self.y_mean_, self.y_scale_)


def is_neural(estimator: Any) -> bool:
    """Whether `estimator` is one of the neural families (exported through its scoring module)."""
    return hasattr(estimator, "scoring_module")


class _ClassifierHead(nn.Module):  # type: ignore[misc]  # torch may be untyped (not installed) for mypy
    """The network, softmax and the argmax label: what a service answers."""

    def __init__(self, network: Any, classes: Any) -> None:
        super().__init__()
        self.network = copy.deepcopy(network).eval()
        self.classes: torch.Tensor
        self.register_buffer("classes", torch.as_tensor(classes, dtype=torch.int64))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        proba = torch.softmax(self.network(x), dim=1)
        return self.classes[torch.argmax(proba, dim=1)], proba


class _RegressorHead(nn.Module):  # type: ignore[misc]  # torch may be untyped (not installed) for mypy
    """The network with the target's scale put back."""

    def __init__(self, network: Any, mean: float, scale: float) -> None:
        super().__init__()
        self.network = copy.deepcopy(network).eval()
        self.mean, self.scale = float(mean), float(scale)

    def forward(self, x: Any) -> Any:
        return self.network(x) * self.scale + self.mean
