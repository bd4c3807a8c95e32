"""STABLE IMPORT PATH (pickled fitted models name it): never move or rename.

A small Transformer encoder trained from scratch on one free-text column, as a scikit-learn
classifier. `fit(X, y)` holds out a seeded, stratified validation share of the rows, trains a
BPE (or WordPiece) tokenizer with Hugging Face `tokenizers` on the remaining training texts only
(nothing is downloaded; validation and holdout words stay out of the vocabulary), then trains
`TextEncoderNet` with early stopping on the validation loss, keeping the best epoch. The
tokenizer (as its JSON), the maximum length and the network are fitted state, so the pickled model
predicts on raw strings: `joblib.load(path).predict(["my printer is on fire"])`.

One seed gives one model on the CPU (torch's deterministic algorithms, a fixed thread count, the
seeded split and batch order). `device="auto"` trains on `cuda` or `mps` when torch sees one
(`device_` records where); the fitted network is kept on the CPU, where it predicts.
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
from mcp_server.ml.modeling.text_io import (
    DEVICES,
    as_texts,
    batched_logits,
    pick_device,
    train_text_network,
    validation_positions,
)

__all__ = ["PAD", "TextEncoderNet", "TextTransformerClassifier", "encode_ids", "train_tokenizer"]

PAD, UNK, CLS = "[PAD]", "[UNK]", "[CLS]"  # ids 0, 1, 2: every sequence starts with [CLS]


def train_tokenizer(texts: list[str], kind: str, vocab_size: int) -> str:
    """A lower-casing BPE (or WordPiece) tokenizer trained on `texts` only, as its JSON.

    BPE is the default because its trainer is repeatable; `tokenizers`' WordPiece trainer (0.23)
    breaks ties between equally frequent merges in hash order, so two WordPiece fits of the same
    texts can differ in a few rare pieces."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    if kind == "bpe":
        tokenizer = Tokenizer(models.BPE(unk_token=UNK))
        trainer: Any = trainers.BpeTrainer(
            vocab_size=vocab_size, special_tokens=[PAD, UNK, CLS], show_progress=False
        )
    else:
        tokenizer = Tokenizer(models.WordPiece(unk_token=UNK))
        trainer = trainers.WordPieceTrainer(
            vocab_size=vocab_size, special_tokens=[PAD, UNK, CLS], show_progress=False
        )
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(texts, trainer)
    return str(tokenizer.to_str())


def encode_ids(tokenizer_json: str, texts: list[str], max_length: int) -> torch.Tensor:
    """Token ids, N x L (L: the longest row, at most `max_length`), [CLS] first, padded with 0."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(tokenizer_json)
    cls = int(tokenizer.token_to_id(CLS) or 0)
    rows = [[cls, *e.ids[: max_length - 1]] for e in tokenizer.encode_batch(texts)]
    out = np.zeros((len(rows), max((len(r) for r in rows), default=1)), dtype=np.int64)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return torch.from_numpy(out)


class TextEncoderNet(nn.Module):
    """Token and learned position embeddings, a Transformer encoder, the mean of the non-padding
    tokens' states, a linear head: N x L token ids -> N x classes logits."""

    def __init__(
        self, vocab: int, d_model: int, heads: int, layers: int, max_length: int, **shape: Any
    ) -> None:
        super().__init__()
        self.tokens = nn.Embedding(vocab, d_model, padding_idx=0)
        self.positions = nn.Embedding(max_length, d_model)
        layer = nn.TransformerEncoderLayer(
            d_model,
            heads,
            dim_feedforward=int(shape["feedforward"]),
            dropout=float(shape["dropout"]),
            batch_first=True,
        )
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Sequential(
            nn.Dropout(float(shape["dropout"])), nn.Linear(d_model, shape["n_classes"])
        )

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        keep = ids != 0
        steps = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        states = self.encoder(self.tokens(ids) + self.positions(steps), src_key_padding_mask=~keep)
        weights = keep.unsqueeze(-1).to(states.dtype)
        pooled = (states * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        logits: torch.Tensor = self.head(self.norm(pooled))
        return logits


class TextTransformerClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """See the module doc. `text_column`: the column of a table to read (else its first)."""

    def __init__(
        self,
        text_column: str | None = None,
        tokenizer: str = "bpe",
        vocab_size: int = 4000,
        max_length: int = 64,
        d_model: int = 64,
        n_heads: int = 4,
        n_layers: int = 2,
        dim_feedforward: int = 128,
        dropout: float = 0.1,
        learning_rate: float = 2e-3,
        weight_decay: float = 1e-2,
        batch_size: int = 32,
        max_epochs: int = 20,
        patience: int = 3,
        validation_fraction: float = 0.1,
        random_state: int | None = 0,
        n_threads: int = 1,
        device: str = "auto",
    ) -> None:
        self.text_column = text_column
        self.tokenizer = tokenizer
        self.vocab_size = vocab_size
        self.max_length = max_length
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.dim_feedforward = dim_feedforward
        self.dropout = dropout
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
        "text_column": [str, None],
        "tokenizer": [StrOptions({"wordpiece", "bpe"})],
        "vocab_size": [Interval(Integral, 100, 200_000, closed="both")],
        "max_length": [Interval(Integral, 4, 2048, closed="both")],
        "d_model": [Interval(Integral, 8, 1024, closed="both")],
        "n_heads": [Interval(Integral, 1, 32, closed="both")],
        "n_layers": [Interval(Integral, 1, 12, closed="both")],
        "dim_feedforward": [Interval(Integral, 8, 8192, closed="both")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
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

    def fit(self, X: Any, y: Any) -> TextTransformerClassifier:
        self._validate_params()
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model ({self.d_model}) must be a multiple of n_heads")
        self.classes_, codes = _class_codes(y)
        texts = as_texts(X, self.text_column)
        seed = int(self.random_state or 0)
        train, valid = validation_positions(codes, self.validation_fraction, seed)
        self.device_ = pick_device(self.device)
        with deterministic(seed, self.n_threads):
            self.tokenizer_json_ = train_tokenizer(
                [texts[i] for i in train], self.tokenizer, int(self.vocab_size)
            )
            ids = encode_ids(self.tokenizer_json_, texts, int(self.max_length))
            module = TextEncoderNet(
                self.vocabulary_size(),
                int(self.d_model),
                int(self.n_heads),
                int(self.n_layers),
                int(self.max_length),
                feedforward=int(self.dim_feedforward),
                dropout=float(self.dropout),
                n_classes=len(self.classes_),
            )
            self.history_ = train_text_network(self, module, ids, codes, (train, valid))
        self.module_ = module.cpu().eval()
        self.n_epochs_ = len(self.history_)
        return self

    def vocabulary_size(self) -> int:
        from tokenizers import Tokenizer

        return int(Tokenizer.from_str(self.tokenizer_json_).get_vocab_size())

    def vocabulary(self) -> set[str]:
        """The tokens the fitted tokenizer knows."""
        from tokenizers import Tokenizer

        return set(Tokenizer.from_str(self.tokenizer_json_).get_vocab())

    def token_ids(self, X: Any) -> torch.Tensor:
        """What the network reads: the texts of `X` as padded token ids (N x L, int64)."""
        return encode_ids(self.tokenizer_json_, as_texts(X, self.text_column), self.max_length)

    def _logits(self, X: Any) -> Any:
        from mcp_server.ml.modeling.image_io import torch_threads

        with torch_threads(self.n_threads):
            return batched_logits(self.module_, self.token_ids(X), "cpu")

    def predict_proba(self, X: Any) -> Any:
        return softmax(self._logits(X))

    def predict(self, X: Any) -> Any:
        return self.classes_[np.argmax(self._logits(X), axis=1)]

    def text_module(self) -> nn.Module:
        """The fitted network: N x L token ids (int64, 0 = padding) -> class logits."""
        return self.module_
