"""The one training loop of the image and text networks: seeded epochs, early stopping.

Each epoch shuffles the training positions with a seeded generator, steps AdamW (over the
parameters that train: a frozen backbone's are left out) on mini-batches whose loss the family
computes, then measures the validation loss in inference mode. The weights of the epoch with
the best validation loss are kept, and training stops `patience` epochs after it. The tabular
`neural` family keeps its own loop: it is copied byte-exact into generated projects.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = ["train_epochs"]

BatchLoss = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


def train_epochs(
    est: Any,
    module: nn.Module,
    train: Any,
    batch_loss: BatchLoss,
    valid_loss: Callable[[], float],
    min_batch: int = 1,
) -> list[dict[str, float]]:
    """`batch_loss(positions, generator)`: a mini-batch's loss (the generator seeds any
    augmentation); `valid_loss()`: the validation loss. `est` holds the hyperparameters
    (`learning_rate`, `weight_decay`, `batch_size`, `max_epochs`, `patience`, `random_state`)."""
    generator = torch.Generator().manual_seed(int(est.random_state or 0))
    trainable = [p for p in module.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=est.learning_rate, weight_decay=est.weight_decay)
    positions = torch.from_numpy(np.asarray(train, dtype=np.int64))
    best, best_state, history, waited = float("inf"), None, [], 0
    for epoch in range(int(est.max_epochs)):
        module.train()
        order = positions[torch.randperm(len(positions), generator=generator)]
        total = 0.0
        for start in range(0, len(order), int(est.batch_size)):
            batch = order[start : start + int(est.batch_size)]
            if len(batch) < min_batch:
                continue
            optimiser.zero_grad()
            loss: Any = batch_loss(batch, generator)  # torch.Tensor.backward is untyped
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(batch)
        module.eval()
        with torch.inference_mode():
            valid = valid_loss()
        history.append(
            {"epoch": epoch + 1, "loss": total / max(len(train), 1), "valid_loss": valid}
        )
        if valid < best - 1e-4:
            best, best_state, waited = valid, copy.deepcopy(module.state_dict()), 0
        else:
            waited += 1
            if waited >= est.patience:
                break
    if best_state is not None:
        module.load_state_dict(best_state)
    return history
