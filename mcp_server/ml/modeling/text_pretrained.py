"""STABLE IMPORT PATH (pickled fitted models name it): never move or rename.

Fine-tuning a pretrained `transformers` text model on one free-text column: the checkpoint (a hub
id, or a local folder written by `save_pretrained` holding the model and its tokenizer) is loaded
with `AutoTokenizer` and `AutoModelForSequenceClassification` with a new head for the classes of
`y`; its backbone is fine-tuned, or frozen so only the head learns. The training loop, its seeded
validation split and early stopping are the text transformer's (`text_io`). The tokenizer and
the network are fitted state: the pickled model predicts on raw strings. A checkpoint that cannot
be loaded (no network for a hub id) is refused in one line naming the local-folder alternative.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from torch import nn

from mcp_server.ml.modeling.neural import _class_codes, deterministic, softmax
from mcp_server.ml.modeling.pretrained import from_checkpoint, set_backbone_trainable
from mcp_server.ml.modeling.text_io import (
    DEVICES,
    as_texts,
    batched_logits,
    pick_device,
    train_text_network,
    validation_positions,
)

__all__ = ["PretrainedTextClassifier", "load_text_checkpoint"]


class SequenceNet(nn.Module):
    """Token ids (padding = the tokenizer's pad id) -> the checkpoint's logits."""

    def __init__(self, model: Any, pad_id: int) -> None:
        super().__init__()
        self.model = model
        self.pad_id = int(pad_id)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.model(
            input_ids=ids, attention_mask=(ids != self.pad_id).long()
        ).logits
        return logits


def load_text_checkpoint(checkpoint: str, n_classes: int) -> tuple[Any, Any]:
    """The tokenizer and the model with a new head of `n_classes`."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    def load() -> tuple[Any, Any]:
        tokenizer = AutoTokenizer.from_pretrained(checkpoint)
        model = AutoModelForSequenceClassification.from_pretrained(
            checkpoint, num_labels=n_classes, ignore_mismatched_sizes=True
        )
        return tokenizer, model

    tokenizer, model = from_checkpoint(checkpoint, "fine-tuning", load, "model and tokenizer")
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    return tokenizer, model


class PretrainedTextClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """See the module doc. `text_column`: the column of a table to read (else its first)."""

    def __init__(
        self,
        checkpoint: str = "",
        text_column: str | None = None,
        freeze_backbone: bool = False,
        max_length: int = 128,
        learning_rate: float = 5e-5,
        weight_decay: float = 1e-2,
        batch_size: int = 16,
        max_epochs: int = 4,
        patience: int = 2,
        validation_fraction: float = 0.1,
        random_state: int | None = 0,
        n_threads: int = 1,
        device: str = "auto",
    ) -> None:
        self.checkpoint = checkpoint
        self.text_column = text_column
        self.freeze_backbone = freeze_backbone
        self.max_length = max_length
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.n_threads = n_threads
        self.device = device

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "checkpoint": [str],
        "text_column": [str, None],
        "freeze_backbone": ["boolean"],
        "max_length": [Interval(Integral, 4, 4096, closed="both")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 0.5, closed="neither")],
        "random_state": ["random_state"],
        "n_threads": [Interval(Integral, 1, 64, closed="both")],
        "device": [StrOptions(set(DEVICES))],
    }

    def fit(self, X: Any, y: Any) -> PretrainedTextClassifier:
        self._validate_params()
        self.classes_, codes = _class_codes(y)
        texts = as_texts(X, self.text_column)
        seed = int(self.random_state or 0)
        self.device_ = pick_device(self.device)
        with deterministic(seed, self.n_threads):
            self.tokenizer_, model = load_text_checkpoint(self.checkpoint, len(self.classes_))
            set_backbone_trainable(model, frozen=self.freeze_backbone)
            module = SequenceNet(model, self.tokenizer_.pad_token_id)
            positions = validation_positions(codes, self.validation_fraction, seed)
            self.history_ = train_text_network(self, module, self._ids(texts), codes, positions)
        self.module_ = module.cpu().eval()
        self.n_epochs_ = len(self.history_)
        return self

    def _ids(self, texts: list[str]) -> torch.Tensor:
        encoded = self.tokenizer_(
            texts,
            padding=True,
            truncation=True,
            max_length=int(self.max_length),
            return_tensors="pt",
        )
        ids: torch.Tensor = encoded["input_ids"].long()
        return ids

    def _logits(self, X: Any) -> Any:
        from mcp_server.ml.modeling.image_io import torch_threads

        with torch_threads(self.n_threads):
            return batched_logits(self.module_, self._ids(as_texts(X, self.text_column)), "cpu")

    def predict_proba(self, X: Any) -> Any:
        return softmax(self._logits(X))

    def predict(self, X: Any) -> Any:
        return self.classes_[np.argmax(self._logits(X), axis=1)]
