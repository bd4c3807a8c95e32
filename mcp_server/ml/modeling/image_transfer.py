"""STABLE IMPORT PATH (pickled fitted models name it): never move or rename.

Transfer learning for images: a pretrained `transformers` image model (a hub id, or a local folder
written by `save_pretrained`) gets a new classification head for the classes of `y`, and either
its backbone stays frozen (only the head learns: fast, little data) or the whole network is
fine-tuned. Images go in as `image_io` reads them (paths, bytes, PIL images), resized to the
checkpoint's input size and normalised with its image processor's mean and std (0.5 when it has
none); the training loop, its seeded validation split and early stopping are the CNN's
(`image_cnn`). A checkpoint that cannot be loaded (no network for a hub id) is refused in one
line naming the local-folder alternative.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval
from torch import nn

from mcp_server.ml.modeling.image_cnn import train_network, validation_split
from mcp_server.ml.modeling.image_io import (
    as_items,
    load_tensor,
    open_image,
    to_tensor,
    torch_threads,
    typical_size,
)
from mcp_server.ml.modeling.neural import _class_codes, deterministic, softmax
from mcp_server.ml.modeling.pretrained import from_checkpoint, set_backbone_trainable

__all__ = ["PretrainedImageClassifier", "load_checkpoint"]


class PretrainedNet(nn.Module):
    """Pixels in [0, 1] -> the checkpoint's normalisation -> its logits."""

    def __init__(self, model: Any, mean: list[float], std: list[float]) -> None:
        super().__init__()
        self.model = model
        self.mean: torch.Tensor
        self.std: torch.Tensor
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.model(pixel_values=(pixels - self.mean) / self.std).logits
        return logits


def load_checkpoint(checkpoint: str, n_classes: int) -> tuple[Any, list[float], list[float]]:
    """The model with a new head of `n_classes`, and its normalisation (mean, std)."""
    from transformers import AutoImageProcessor, AutoModelForImageClassification

    model = from_checkpoint(
        checkpoint,
        "transfer learning",
        lambda: AutoModelForImageClassification.from_pretrained(
            checkpoint, num_labels=n_classes, ignore_mismatched_sizes=True
        ),
    )
    channels = int(getattr(model.config, "num_channels", 3))
    try:
        processor = AutoImageProcessor.from_pretrained(checkpoint)
        mean, std = list(processor.image_mean), list(processor.image_std)
    except (OSError, ValueError, AttributeError, TypeError):
        mean, std = [0.5] * channels, [0.5] * channels
    return model, mean[:channels], std[:channels]


class PretrainedImageClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """See the module doc. `image_size=None`: the checkpoint's own, else the images' usual one."""

    def __init__(
        self,
        checkpoint: str = "",
        freeze_backbone: bool = True,
        image_size: int | None = None,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-4,
        batch_size: int = 32,
        max_epochs: int = 10,
        patience: int = 3,
        validation_fraction: float = 0.1,
        augment: float = 0.3,
        random_state: int | None = 0,
        n_threads: int = 1,
    ) -> None:
        self.checkpoint = checkpoint
        self.freeze_backbone = freeze_backbone
        self.image_size = image_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.augment = augment
        self.random_state = random_state
        self.n_threads = n_threads

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "checkpoint": [str],
        "freeze_backbone": ["boolean"],
        "image_size": [Interval(Integral, 8, 1024, closed="both"), None],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 0.5, closed="neither")],
        "augment": [Interval(Real, 0, 1, closed="both")],
        "random_state": ["random_state"],
        "n_threads": [Interval(Integral, 1, 64, closed="both")],
    }

    def fit(self, X: Any, y: Any) -> PretrainedImageClassifier:
        self._validate_params()
        self.classes_, codes = _class_codes(y)
        seed = int(self.random_state or 0)
        with deterministic(seed, self.n_threads):
            model, mean, std = load_checkpoint(self.checkpoint, len(self.classes_))
            images = [open_image(item) for item in as_items(X)]
            self.color_ = "L" if len(mean) == 1 else "RGB"
            own = getattr(model.config, "image_size", None)
            self.image_size_ = int(self.image_size or own or typical_size(images))
            pixels = to_tensor(images, self.image_size_, self.color_)
            del images
            set_backbone_trainable(model, frozen=self.freeze_backbone)
            module = PretrainedNet(model, mean, std)
            train, valid = validation_split(codes, self.validation_fraction, seed)
            self.history_ = train_network(
                self, module, pixels, torch.from_numpy(codes), train, valid
            )
        self.module_ = module.eval()
        self.n_epochs_ = len(self.history_)
        return self

    def _logits(self, X: Any) -> Any:
        pixels = load_tensor(X, self.image_size_, self.color_)
        with torch.inference_mode(), torch_threads(self.n_threads):
            out = [self.module_(pixels[i : i + 64]).numpy() for i in range(0, len(pixels), 64)]
        return np.concatenate(out) if out else np.zeros((0, len(self.classes_)))

    def predict_proba(self, X: Any) -> Any:
        return softmax(self._logits(X))

    def predict(self, X: Any) -> Any:
        return self.classes_[np.argmax(self._logits(X), axis=1)]

    def image_module(self) -> nn.Module:
        """The fitted network: N x C x S x S pixels in [0, 1] -> class logits."""
        return self.module_
