"""STABLE IMPORT PATH (fitted text models reference it): never move or rename.

Text in and out of the text families: what a caller may hand `fit`/`predict` (a table and the
name of its free-text column, a table of one column, a Series, a list of strings, one string),
the device a network trains on (`cuda` or `mps` when present, else the CPU), and the training
both text families share: mini-batches of token ids through the loop of `torch_loop` (a seeded
validation split, early stopping on its loss, the best epoch's weights kept).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from mcp_server.ml.modeling.torch_loop import train_epochs

DEVICES = ("auto", "cpu", "cuda", "mps")


def as_texts(X: Any, column: str | None = None) -> list[str]:
    """The texts in `X`: a DataFrame's `column` (else its first column), a Series, a 2-D array's
    first column, a list or one string. A missing text is the empty string."""
    if isinstance(X, str):
        values: list[Any] = [X]
    elif hasattr(X, "iloc") and hasattr(X, "columns"):  # a DataFrame
        values = list(X[column] if column is not None and column in X.columns else X.iloc[:, 0])
    elif isinstance(X, np.ndarray) and X.ndim == 2:
        values = list(X[:, 0])
    else:
        values = list(X)
    return ["" if _missing(v) else str(v) for v in values]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def pick_device(device: str) -> str:
    """`auto`: `cuda` when torch sees a GPU, else `mps` (Apple silicon), else `cpu`."""
    if device != "auto":
        return device
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    return "mps" if mps is not None and mps.is_available() else "cpu"


def validation_positions(codes: Any, fraction: float, seed: int) -> tuple[Any, Any]:
    """Seeded (train, validation) positions, stratified when every class has two rows."""
    from mcp_server.ml.modeling.image_cnn import validation_split

    return validation_split(codes, fraction, seed)  # type: ignore[no-any-return]


def batched_logits(module: nn.Module, ids: torch.Tensor, device: str, size: int = 128) -> Any:
    """The module's logits for every row of `ids`, in batches, as a float numpy array."""
    module.eval()
    out = []
    with torch.inference_mode():
        for start in range(0, len(ids), size):
            out.append(module(ids[start : start + size].to(device)).float().cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, 0), dtype=np.float32)


def train_text_network(
    est: Any, module: nn.Module, ids: torch.Tensor, codes: Any, positions: tuple[Any, Any]
) -> list[dict[str, float]]:
    """The shared loop (`torch_loop.train_epochs`) on mini-batches of token ids on `est.device_`."""
    device = est.device_
    loss_fn = nn.CrossEntropyLoss()
    labels = torch.from_numpy(np.asarray(codes, dtype=np.int64))
    train, valid = positions[0], torch.from_numpy(np.asarray(positions[1], dtype=np.int64))
    module.to(device)

    def batch_loss(batch: torch.Tensor, _: torch.Generator) -> torch.Tensor:
        loss: torch.Tensor = loss_fn(module(ids[batch].to(device)), labels[batch].to(device))
        return loss

    def valid_loss() -> float:
        logits = torch.from_numpy(batched_logits(module, ids[valid], device))
        return float(loss_fn(logits, labels[valid]))

    return train_epochs(est, module, train, batch_loss, valid_loss)
