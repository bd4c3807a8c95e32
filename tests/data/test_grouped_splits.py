"""Grouped splits (issue 22): rows that are copies of each other, and rows of one entity named by
a SPEC's `group_column`, never land on both sides of the table kind's holdout or of any of its
CV folds; a table without copies splits exactly as scikit-learn always did."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from mcp_server.ml.data.kinds.table import TableKind
from mcp_server.ml.data.profile import profile_frame
from mcp_server.ml.data.splits import group_counts, row_groups


def many_copies(rows: int = 600, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """A third of the rows are distinct, the rest copies of them (up to five each)."""
    rng = np.random.default_rng(seed)
    base = pd.DataFrame(
        {
            "x": rng.normal(size=rows // 3),
            "colour": rng.choice(["red", "green", None], rows // 3),
            "when": pd.to_datetime("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 9, rows // 3), "D"),
        }
    )
    picks = np.concatenate([np.arange(len(base)), rng.integers(0, len(base), rows - len(base))])
    frame = base.iloc[rng.permutation(picks)].reset_index(drop=True)
    y = (frame["x"].to_numpy() > 0).astype(int)
    return frame, y


def keys(frame: pd.DataFrame) -> np.ndarray:
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_no_copy_straddles_the_holdout_or_any_cv_fold_of_a_table_of_many_duplicates(task):
    frame, y = many_copies()
    target = y if task == "binary" else frame["x"].to_numpy() * 3.0
    kind = TableKind()
    train, test = kind.holdout(frame, target, task, 0.2, 7)
    assert sorted([*train, *test]) == list(range(len(frame)))
    assert not set(keys(frame.iloc[train])) & set(keys(frame.iloc[test]))
    assert 0.1 < len(test) / len(frame) < 0.3
    folds = list(kind.folds(task, 5, 7).split(frame, target))
    assert len(folds) == 5
    assert sorted(np.concatenate([va for _, va in folds])) == list(range(len(frame)))
    for tr, va in folds:
        assert not set(keys(frame.iloc[tr])) & set(keys(frame.iloc[va]))
    if task == "binary":  # stratified: every fold has both classes in about the table's share
        shares = [target[va].mean() for _, va in folds]
        assert max(shares) - min(shares) < 0.2


def test_no_group_straddles_a_split_even_when_copies_link_two_groups():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 1.0, 5.0, 6.0, 7.0, 8.0] * 10})
    frame["x"] += np.repeat(np.arange(10) * 100.0, 8)
    who = np.array([f"p{i // 2}" for i in range(len(frame))], dtype=object)
    who[5] = None  # a missing entity links nothing
    groups = row_groups(frame, who)
    # row 0 and row 3 are copies: patients p0 and p1 become one group with their four rows; row
    # 5 (p2's second row) lost its entity, so p2 is row 4 alone and row 5 a group of its own
    assert list(groups[:6]) == [0, 0, 0, 0, 4, 5]
    y = np.tile([0, 1], len(frame) // 2)
    kind = TableKind()
    for seed in range(5):
        train, test = kind.holdout(frame, y, "binary", 0.25, seed, who)
        assert not set(groups[train]) & set(groups[test])
        for tr, va in kind.folds("binary", 4, seed, who).split(frame, y):
            assert not set(groups[tr]) & set(groups[va])
            assert not {w for w in who[tr] if w} & {w for w in who[va] if w}


def test_a_table_without_copies_splits_exactly_as_train_test_split_and_kfold():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    y = rng.integers(0, 3, 200)
    kind = TableKind()
    train, test = kind.holdout(frame, y, "multiclass", 0.2, 42)
    old = train_test_split(frame, y, test_size=0.2, random_state=42, stratify=y)
    assert list(train) == list(old[0].index) and list(test) == list(old[1].index)
    ours = kind.folds("multiclass", 5, 42).split(frame, y)
    theirs = StratifiedKFold(5, shuffle=True, random_state=42).split(frame, y)
    for (a, b), (c, d) in zip(ours, theirs, strict=True):
        assert list(a) == list(c) and list(b) == list(d)
    ours = kind.folds("regression", 4, 3).split(frame, frame["a"])
    theirs = KFold(4, shuffle=True, random_state=3).split(frame)
    for (a, b), (c, d) in zip(ours, theirs, strict=True):
        assert list(a) == list(c) and list(b) == list(d)


def test_a_group_column_of_hostile_values_groups_by_value_whatever_it_holds():
    hostile = ['"; import os #', "{{ x }}", "a\nb", "\x00", "ünï", "", 3, 3.0, "3"]
    who = np.array([hostile[i % len(hostile)] for i in range(90)], dtype=object)
    frame = pd.DataFrame({"x": np.arange(90.0)})
    groups = row_groups(frame, who)
    # 3 and "3" compare as text (a column read as numbers or strings groups alike); 3.0 does not
    assert len(set(groups)) == len(hostile) - 1
    train, test = TableKind().holdout(frame, np.arange(90.0), "regression", 0.3, 0, who)
    assert not {str(w) for w in who[train]} & {str(w) for w in who[test]}


def test_the_profile_says_how_many_rows_are_copies_and_that_the_splits_group_them():
    frame, y = many_copies()
    frame["id"] = np.arange(len(frame))  # an identifier: never a feature, so not compared
    frame["target"] = y
    rows, groups = group_counts(row_groups(frame[["x", "colour", "when"]]))
    assert rows > 300 and 0 < groups < rows
    finding = next(f for f in profile_frame(frame, "target", "auto").findings if f.code == "copies")
    assert finding.message.startswith(f"{rows} rows repeat another row's features ({groups} groups")
    assert "holdout and every CV fold keep each group on one side" in finding.message
    distinct = frame.drop_duplicates(["x", "colour", "when"])
    assert not [f for f in profile_frame(distinct, "target", "auto").findings if f.code == "copies"]
