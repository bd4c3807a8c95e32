"""Greedy ensemble selection (Caruana et al., 2004) over out-of-fold predictions.

Members are added with replacement, one at a time, each time the one that most improves the
CV metric of the averaged predictions. The result is a plain scikit-learn soft-voting
`VotingClassifier` (or `VotingRegressor`) with integer weights, which refits its members on all
rows, serialises like any model and converts to ONNX.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcp_server.ml.tuning.scoring import Scorer

ROUNDS = 20
POOL = 10


@dataclass
class Selection:
    members: list[int]  # indices into the candidate list
    weights: list[int]
    score: float


def caruana(oofs: list[Any], y: Any, scorer: Scorer, rounds: int = ROUNDS) -> Selection:
    """Greedy forward selection with replacement; the best prefix of the path wins."""
    import numpy as np

    counts = np.zeros(len(oofs), dtype=int)
    total = np.zeros_like(oofs[0])
    best = Selection([], [], float("nan"))
    for step in range(1, rounds + 1):
        gains = [scorer.gain(scorer.value(y, (total + oof) / step)) for oof in oofs]
        pick = int(np.argmax(gains))
        counts[pick] += 1
        total = total + oofs[pick]
        value = scorer.value(y, total / step)
        if not best.members or scorer.better(value, best.score):
            used = [i for i in range(len(oofs)) if counts[i]]
            best = Selection(used, [int(counts[i]) for i in used], value)
    return best


def voting(members: list[Any], weights: list[int], task: str) -> Any:
    """The soft-voting estimator of fitted-to-be `members` (name, estimator) with `weights`."""
    import numpy as np
    from sklearn.ensemble import VotingClassifier, VotingRegressor

    array = np.asarray(weights, dtype=float)  # the ONNX converter does arithmetic on the weights
    if task == "regression":
        return VotingRegressor(members, weights=array)
    return VotingClassifier(members, voting="soft", weights=array, flatten_transform=False)
