"""Rows split by a hash, a pure function of each row, so a split is the same on every run, on any
number of Dask workers and in any reader of a run: a cluster fit's holdout (`Split`, whose rule
a run keeps in `split/holdout_rule.json`) and the k folds a cluster comparison or search
cross-validates on (`Fold`), optionally of the rows a holdout leaves (`reserved`).

Each row's bucket is `pandas.util.hash_pandas_object(row, index=False, hash_key) % 10000` of the
columns hashed (every column, or the SPEC's group column), keyed by the seed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

HASH_BUCKETS = 10_000  # a row is held out when its hash falls in the first test_size of them
TRAIN, HELD_OUT, NEITHER = 0, 1, -1  # a row's side (`Split.sides`)


@dataclass(frozen=True)
class Split:
    """How a row is held out: the columns hashed, the seed (the hash key) and the share."""

    columns: tuple[str, ...]
    seed: int
    test_size: float

    def held_out(self, frame: pd.DataFrame) -> np.ndarray:
        """True for the rows of `frame` in the holdout (a pure function of each row)."""
        return self.buckets(frame) < round(self.test_size * HASH_BUCKETS)

    def sides(self, frame: pd.DataFrame) -> np.ndarray:
        """Each row's side: HELD_OUT, TRAIN, or NEITHER (a row a fold's holdout keeps out)."""
        import numpy as np

        return np.where(self.held_out(frame), HELD_OUT, TRAIN)

    def buckets(self, frame: pd.DataFrame) -> np.ndarray:
        """Each row's bucket in [0, HASH_BUCKETS): its hash (of `columns`, keyed by the seed)."""
        import pandas as pd

        hashed = pd.util.hash_pandas_object(
            frame[list(self.columns)], index=False, hash_key=f"moai{self.seed:012d}"[-16:]
        ).to_numpy()
        return hashed % HASH_BUCKETS

    def describe(self) -> dict[str, Any]:
        return {
            "rule": "pandas.util.hash_pandas_object(row, index=False, hash_key) % 10000 "
            "< test_size * 10000",
            "columns": list(self.columns),
            "hash_key": f"moai{self.seed:012d}"[-16:],
            "seed": self.seed,
            "test_size": self.test_size,
        }

    @classmethod
    def from_rule(cls, rule: dict[str, Any]) -> Split:
        """The split a run's `holdout_rule.json` describes (`describe`'s output)."""
        return cls(tuple(rule["columns"]), int(rule["seed"]), float(rule["test_size"]))


@dataclass(frozen=True)
class Fold(Split):
    """Fold `index` of `folds` drawn by the same hash (a comparison's or a search's folds on the
    cluster): its rows are held out, the other folds' rows train. With `reserved`, the rows of a
    holdout of that share (the `Split` of the same columns and seed) are in no fold: the folds
    divide the buckets that holdout leaves."""

    folds: int = 5
    index: int = 0
    reserved: float = 0.0

    def held_out(self, frame: pd.DataFrame) -> np.ndarray:
        import numpy as np

        return np.asarray(self.sides(frame) == HELD_OUT)

    def sides(self, frame: pd.DataFrame) -> np.ndarray:
        import numpy as np

        buckets = self.buckets(frame)
        kept = round(self.reserved * HASH_BUCKETS)
        fold = (buckets - kept) * self.folds // (HASH_BUCKETS - kept)
        side = np.where(fold == self.index, HELD_OUT, TRAIN)
        return np.where(buckets < kept, NEITHER, side)

    @classmethod
    def all_of(
        cls, columns: tuple[str, ...], seed: int, folds: int, reserved: float = 0.0
    ) -> list[Fold]:
        """The k folds (of the rows a holdout of share `reserved` leaves)."""
        return [cls(columns, seed, 1 / folds, folds, i, reserved) for i in range(folds)]


__all__ = ["HASH_BUCKETS", "HELD_OUT", "NEITHER", "TRAIN", "Fold", "Split"]
