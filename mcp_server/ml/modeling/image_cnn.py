"""STABLE IMPORT PATH (pickled fitted models name it): never move or rename.

A small convolutional network trained from scratch in PyTorch, as a scikit-learn classifier of
images. `fit(X, y)` takes the images (a table whose first column holds file paths, or any list of
paths, bytes or PIL images, see `image_io`) and the class codes; the input size, the colour mode,
the per-channel normalisation and the augmentation are fitted state, so the pickled model
predicts on a raw image file. Training holds out a seeded, stratified validation share and stops
early on its loss (keeping the best epoch's weights), with torch's deterministic algorithms and a
fixed thread count: one seed gives one model on the CPU.

The network (`SmallCNN`) takes N x C x S x S pixels in [0, 1] and normalises them itself, so its
ONNX graph needs only the decoding and resizing in front of it.
"""

from __future__ import annotations

import warnings
import weakref
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from torch import nn
from torch.jit._trace import TracerWarning

from mcp_server.ml.modeling.image_io import (
    as_items,
    augment,
    colour_mode,
    load_tensor,
    open_image,
    to_tensor,
    torch_threads,
    typical_size,
)
from mcp_server.ml.modeling.neural import _class_codes, deterministic, softmax
from mcp_server.ml.modeling.torch_loop import train_epochs

__all__ = ["ImageCNNClassifier", "SmallCNN", "inference_graph", "prepared_images"]


def _block(inputs: int, outputs: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(inputs, outputs, 3, padding=1, bias=False),
        nn.BatchNorm2d(outputs),
        nn.ReLU(),
    )


class SmallCNN(nn.Module):
    """Two conv blocks, pool, two wider blocks, pool, one wider block, global average, linear."""

    def __init__(
        self, channels: int, width: int, n_classes: int, mean: Any, std: Any, dropout: float
    ) -> None:
        super().__init__()
        self.mean: torch.Tensor
        self.std: torch.Tensor
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1))
        w = int(width)
        self.features = nn.Sequential(
            _block(channels, w),
            _block(w, w),
            nn.MaxPool2d(2),
            _block(w, 2 * w),
            _block(2 * w, 2 * w),
            nn.MaxPool2d(2),
            _block(2 * w, 4 * w),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(4 * w, n_classes))

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.head(self.features((pixels - self.mean) / self.std))
        return logits


class ImageCNNClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
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

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "image_size": [Interval(Integral, 8, 512, closed="both"), None],
        "width": [Interval(Integral, 4, 256, closed="both")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 0.5, closed="neither")],
        "augment": [Interval(Real, 0, 1, closed="both")],
        "color": [StrOptions({"auto", "L", "RGB"})],
        "random_state": ["random_state"],
        "n_threads": [Interval(Integral, 1, 64, closed="both")],
    }

    def fit(self, X: Any, y: Any) -> ImageCNNClassifier:
        self._validate_params()
        pixels, codes, (train, valid) = prepared_images(self, X, y)
        seed = int(self.random_state or 0)
        channels = pixels.shape[1]
        mean = pixels[train].mean(dim=(0, 2, 3)).tolist()
        std = [max(s, 1e-3) for s in pixels[train].std(dim=(0, 2, 3)).tolist()]
        with deterministic(seed, self.n_threads):
            module = SmallCNN(channels, self.width, len(self.classes_), mean, std, self.dropout)
            self.history_ = train_network(
                self, module, pixels, torch.from_numpy(codes), train, valid
            )
        self.module_ = module.eval()
        self.n_epochs_ = len(self.history_)
        return self

    def _logits(self, X: Any) -> Any:
        pixels = load_tensor(X, self.image_size_, self.color_)
        out = []
        with torch_threads(self.n_threads):
            network = inference_graph(self.module_, self.module_, pixels)
            with torch.inference_mode():
                for start in range(0, len(pixels), 256):
                    out.append(network(pixels[start : start + 256]).numpy())
        return np.concatenate(out) if out else np.zeros((0, len(self.classes_)))

    def predict_proba(self, X: Any) -> Any:
        return softmax(self._logits(X))

    def predict(self, X: Any) -> Any:
        return self.classes_[np.argmax(self._logits(X), axis=1)]

    def image_module(self) -> nn.Module:
        """The fitted network: N x C x S x S pixels in [0, 1] -> class logits."""
        return self.module_


_GRAPHS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def inference_graph(owner: Any, module: Any, example: torch.Tensor) -> Any:
    """`module` (a network in inference mode over N x C x S x S pixels, `owner` the object
    holding its weights) traced once per process with TorchScript: the same operators on the
    same weights, so the same numbers, without Python's per-layer dispatch (a one-image
    prediction of `image_cnn` takes half the CPU, of `keras_cnn` a tenth). Kept while `owner`
    lives, never pickled. A graph that cannot be traced, or does not give `module`'s exact
    logits on `example` and on a batch of two, is not used: `module` is."""
    graph = _GRAPHS.get(owner)
    if graph is None:
        graph = _GRAPHS[owner] = _traced(module, example[:1])
    return module if graph is False else graph  # the cache never holds `owner` itself


def _traced(module: Any, example: torch.Tensor) -> Any:
    """The traced graph of `module`, or False."""
    batch = torch.cat([example, example.flip(-1)])
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", TracerWarning)  # shapes fixed by the fit
        # deprecated for torch.export, whose graph runs slower than the module on the CPU
        warnings.filterwarnings("ignore", "`torch.jit.trace", DeprecationWarning)
        try:
            graph = torch.jit.trace(module, example, check_trace=False)  # type: ignore[no-untyped-call]
        except RuntimeError:
            return False
        same = all(torch.equal(graph(x), module(x)) for x in (example, batch))
    return graph if same else False


def prepared_images(estimator: Any, X: Any, y: Any) -> tuple[torch.Tensor, Any, tuple[Any, Any]]:
    """What an image family's `fit` starts from: the class codes, the images read and fitted
    (`classes_`, `color_` and `image_size_` set on `estimator`) as N x C x S x S pixels in
    [0, 1], and the seeded (train, validation) positions."""
    estimator.classes_, codes = _class_codes(y)
    images = [open_image(item) for item in as_items(X)]
    estimator.color_ = colour_mode(images) if estimator.color == "auto" else estimator.color
    estimator.image_size_ = int(estimator.image_size or typical_size(images))
    pixels = to_tensor(images, estimator.image_size_, estimator.color_)
    seed = int(estimator.random_state or 0)
    return pixels, codes, validation_split(codes, estimator.validation_fraction, seed)


def validation_split(codes: Any, fraction: float, seed: int) -> tuple[Any, Any]:
    """Seeded positions (train, validation), stratified when every class has two images."""
    from sklearn.model_selection import train_test_split

    positions = np.arange(len(codes))
    counts = np.bincount(codes)
    n_valid = max(round(len(codes) * fraction), len(counts))
    stratify = codes if counts.min() >= 2 and n_valid < len(codes) - len(counts) else None
    train, valid = train_test_split(
        positions, test_size=n_valid, random_state=seed, stratify=stratify
    )
    return np.sort(train), np.sort(valid)


def train_network(
    est: ImageCNNClassifier,
    module: nn.Module,
    pixels: torch.Tensor,
    codes: torch.Tensor,
    train: Any,
    valid: Any,
) -> list[dict[str, float]]:
    """The shared loop (`torch_loop.train_epochs`) on augmented mini-batches of pixels."""
    loss_fn = nn.CrossEntropyLoss()
    valid_t = torch.from_numpy(valid)

    def batch_loss(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        inputs = augment(pixels[batch], float(est.augment), generator)
        loss: torch.Tensor = loss_fn(module(inputs), codes[batch])
        return loss

    def valid_loss() -> float:
        return float(loss_fn(module(pixels[valid_t]), codes[valid_t]))

    # batch norm needs two images in a batch
    return train_epochs(est, module, train, batch_loss, valid_loss, min_batch=2)
