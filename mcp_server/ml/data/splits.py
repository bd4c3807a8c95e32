"""STABLE, SELF-CONTAINED: the one home of how a table's rows are split, holdout and folds.

Rows that are copies of each other (equal in every feature) and rows of one entity (the SPEC's
`group_column`: a patient, a customer) form a group, and a group never straddles a split: a model
that memorises would otherwise score copies of its training rows as if unseen. Without any
group of two rows, the splits are exactly scikit-learn's `train_test_split` and shuffled
(Stratified)KFold; with groups, `StratifiedGroupKFold` (classes) and `GroupShuffleSplit` /
`GroupKFold` (regression), as scikit-learn groups rows.

It imports only numpy, pandas, scipy and scikit-learn because its source is written, as it is,
into generated TDD projects (`splits.py` next to the pipeline): the project and the product
draw the same rows from the same table, seed and `test_size`. Being generated code there, it
stays as `ruff format` leaves it at 88, 100 and 120 columns: a signature or call too long for 88
is written one argument per line with a trailing comma (tests/test_generated_code_style.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd


def row_groups(features: Any, entities: Any = None) -> np.ndarray:
    """Each row's group, named by the position of its group's first row: rows with equal feature
    values share a group, so do rows of one entity (`entities`, one value per row; a missing
    value links nothing), and so do rows linked through either."""
    frame = pd.DataFrame(features).reset_index(drop=True)
    first = _first_equal_row(frame)
    if entities is not None:
        first = _joined(first, _first_of_entity(entities))
    return first


def is_grouped(groups: np.ndarray) -> bool:
    """Whether some group holds more than one row."""
    return bool((groups != np.arange(len(groups))).any())


def group_counts(groups: np.ndarray) -> tuple[int, int]:
    """(rows in a group of two or more, such groups)."""
    sizes = np.bincount(groups, minlength=len(groups))
    shared = sizes > 1
    return int(sizes[shared].sum()), int(shared.sum())


def holdout(
    features: Any,
    y: Any,
    stratify: bool,
    test_size: float,
    seed: int,
    entities: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Row positions (train, holdout). Ungrouped rows: `train_test_split` of the positions, the
    rows `train_test_split(X, y, ...)` draws. Grouped rows: `train_test_split` of the groups
    (stratified on each group's majority class), every row following its group."""
    from sklearn.model_selection import train_test_split

    groups = row_groups(features, entities)
    positions = np.arange(len(groups))
    if not is_grouped(groups):
        train, test = train_test_split(
            positions,
            test_size=test_size,
            random_state=seed,
            stratify=y if stratify else None,
        )
        return np.asarray(train), np.asarray(test)
    names, labels = _groups_and_labels(groups, y, stratify, "a holdout", 2)
    try:
        _, test = train_test_split(
            names,
            test_size=test_size,
            random_state=seed,
            stratify=labels,
        )
    except ValueError:  # a class with one group: the groups drawn unstratified
        _, test = train_test_split(names, test_size=test_size, random_state=seed)
    held = np.isin(groups, test)
    return positions[~held], positions[held]


class GroupedFolds:
    """Shuffled cross-validation folds that keep every group in one fold (`row_groups` of the X
    given to `split`, with `entities` aligned with those rows); scikit-learn's `cv=` protocol.
    Ungrouped rows: shuffled `StratifiedKFold` (classes) or `KFold`; grouped rows: the same
    splitters over the groups (stratified on each group's majority class), as `GroupKFold`
    with `shuffle=True` deals groups; scikit-learn's `StratifiedGroupKFold` searches fold by
    fold for each group, minutes for a table of 100,000 groups."""

    def __init__(
        self,
        n_splits: int,
        stratify: bool,
        seed: int,
        entities: Any = None,
    ) -> None:
        self.n_splits = n_splits
        self.stratify = stratify
        self.seed = seed
        self.entities = None if entities is None else np.asarray(entities, dtype=object)

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return self.n_splits

    def split(
        self,
        X: Any,
        y: Any = None,
        groups: Any = None,
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        from sklearn.model_selection import KFold, StratifiedKFold

        found = row_groups(X, self.entities)
        stratify = self.stratify and y is not None
        keys = {"n_splits": self.n_splits, "shuffle": True, "random_state": self.seed}
        plain = StratifiedKFold(**keys) if stratify else KFold(**keys)
        if not is_grouped(found):
            yield from plain.split(np.zeros(len(found)), y)
            return
        what = f"{self.n_splits}-fold cross-validation"
        names, labels = _groups_and_labels(found, y, stratify, what, self.n_splits)
        if labels is not None and np.bincount(labels).max() < self.n_splits:
            # no class has a group for each fold: dealt unstratified
            plain = KFold(**keys)
        positions = np.arange(len(found))
        for _, test in plain.split(names, labels):
            held = np.isin(found, names[test])
            yield positions[~held], positions[held]

    def __repr__(self) -> str:
        return f"GroupedFolds(n_splits={self.n_splits}, stratify={self.stratify}, seed={self.seed})"


def _groups_and_labels(
    groups: np.ndarray, y: Any, stratify: bool, what: str, need: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """The groups' names, and each group's majority class (the lowest code on a tie) to
    stratify on, or None."""
    names = np.unique(groups)
    _enough_groups(names, need, what)
    if not stratify:
        return names, None
    codes, classes = pd.factorize(np.asarray(y))
    width = len(classes)
    counts = np.bincount(groups * width + codes, minlength=len(groups) * width)
    majority = counts.reshape(len(groups), width)[names].argmax(axis=1)
    return names, majority


def _enough_groups(names: np.ndarray, need: int, what: str) -> None:
    count = len(names)
    if count < need:
        raise ValueError(
            f"{what} needs at least {need} groups of rows, and the table has {count} (rows "
            "that are copies of each other or share the group column form one group)"
        )


def _first_equal_row(frame: pd.DataFrame) -> np.ndarray:
    """For each row, the position of the first row equal to it in every column: rows are hashed,
    and only rows whose hash repeats are compared exactly, column by column."""
    first = np.arange(len(frame))
    if frame.shape[1] == 0 or len(frame) < 2:
        return first
    hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    candidates = np.flatnonzero(pd.Series(hashes).duplicated(keep=False).to_numpy())
    if len(candidates) == 0:
        return first
    key = np.zeros(len(candidates), dtype=np.int64)
    part = frame.iloc[candidates]
    for i in range(part.shape[1]):
        codes, uniques = pd.factorize(part.iloc[:, i], use_na_sentinel=False)
        key, _ = pd.factorize(key * (len(uniques) + 1) + codes)
    _, first_of_key = np.unique(key, return_index=True)
    first[candidates] = candidates[first_of_key[key]]
    return first


def _first_of_entity(entities: Any) -> np.ndarray:
    """For each row, the position of the first row of its entity (its own when the value is
    missing); values compare as text, so a column read as numbers or as strings groups alike."""
    values = pd.Series(np.asarray(entities, dtype=object))
    text = values.map(lambda v: None if _missing(v) else str(v))
    codes, _ = pd.factorize(text)  # missing -> -1
    first = np.arange(len(values))
    known = np.flatnonzero(codes >= 0)
    _, first_of_code = np.unique(codes[known], return_index=True)
    first[known] = known[first_of_code[codes[known]]]
    return first


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _joined(first: np.ndarray, other: np.ndarray) -> np.ndarray:
    """The groups of two linkings together (connected rows), each named by its first row."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(first)
    rows = np.concatenate([np.arange(n), np.arange(n)])
    cols = np.concatenate([first, other])
    graph = coo_matrix((np.ones(2 * n, dtype=np.int8), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    _, first_of_label = np.unique(labels, return_index=True)
    joined: np.ndarray = first_of_label[labels].astype(np.int64)
    return joined
