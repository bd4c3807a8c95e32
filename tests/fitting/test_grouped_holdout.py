"""The honest holdout (issue 22): on tables built to leak, copies of a row (or the rows of one
SPEC `group_column` entity) on both sides of a split let a memorising model score its own training
rows; ml_train and ml_compare_models keep them on one side, say so, and score what a model does
on rows it has not seen."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from tests.support import copy_examples, inprocess_client
from tests.train_support import call

pytestmark = pytest.mark.anyio

FEATURES = [f"f{i}" for i in range(5)]


def repeated_rows(entities: int = 100, copies: int = 6, noise: float = 0.0) -> pd.DataFrame:
    """Each entity's features drawn once and repeated (`noise` > 0: near copies), its label a
    coin flip: nothing predicts the label of an entity the model has not seen."""
    rng = np.random.default_rng(5)
    base = rng.normal(size=(entities, len(FEATURES)))
    labels = rng.choice(["yes", "no"], entities)
    who = np.repeat(np.arange(entities), copies)
    values = base[who] + rng.normal(0, noise, (len(who), len(FEATURES)))
    frame = pd.DataFrame(values, columns=FEATURES)
    frame["patient"] = [f"p-{i:03d}" for i in who]
    frame["label"] = labels[who]
    return frame.sample(frac=1.0, random_state=1).reset_index(drop=True)


def leaky_accuracy(frame: pd.DataFrame) -> float:
    """What the row-by-row split of the same seed and size would have reported (5-NN)."""
    x_train, x_test, y_train, y_test = train_test_split(
        frame[FEATURES], frame["label"], test_size=0.2, random_state=42, stratify=frame["label"]
    )
    return float((KNeighborsClassifier().fit(x_train, y_train).predict(x_test) == y_test).mean())


def write_spec(project: Path, spec_id: str, dataset: str, group: str) -> None:
    folder = project / ".moai/specs" / f"SPEC-{spec_id}"
    folder.mkdir(parents=True)
    block = (
        f"dataset: {dataset}\ntarget: label\nmetric: accuracy\nthreshold: 0.5\n"
        f"group_column: {group!r}\ncv_folds: 4\n"
    )
    (folder / "spec.md").write_text(
        f"---\nid: {spec_id}\n---\n# @SPEC:{spec_id}: leaky patients\n\n## ML\n\n```yaml\n"
        f"{block}```\n",
        encoding="utf-8",
    )


async def test_copies_stay_on_one_side_and_the_holdout_score_is_the_honest_one(tmp_path: Path):
    project = copy_examples(tmp_path / "project")
    frame = repeated_rows().drop(columns=["patient"])
    frame.to_csv(project / "data/copies.csv", index=False)
    async with inprocess_client(project) as client:
        result = await call(
            client, "ml_train", data_path="data/copies.csv", target="label", model="knn"
        )
    (note,) = [w for w in result["warnings"] if "copies of each other" in w]
    assert note.startswith("600 rows are copies of each other (equal features), in 100 groups")
    assert "the holdout keeps each group on one side" in note
    honest, leaky = result["metrics"]["accuracy"], leaky_accuracy(frame)
    assert leaky > 0.8  # the copies of a holdout row in training vote for its own label
    assert honest < 0.7 and honest < leaky - 0.2  # a coin flip on entities never seen


async def test_a_specs_group_column_keeps_each_entity_on_one_side_of_the_holdout_and_folds(
    tmp_path: Path,
):
    project = copy_examples(tmp_path / "project")
    frame = repeated_rows(noise=0.05)  # near copies: only the group column can tell
    group = 'pa"tient {{ id }}'
    frame.rename(columns={"patient": group}).to_csv(project / "data/visits.csv", index=False)
    write_spec(project, "ML-077", "data/visits.csv", group)
    async with inprocess_client(project) as client:
        trained = await call(
            client,
            "ml_train",
            data_path="data/visits.csv",
            target="label",
            model="knn",
            spec_id="ML-077",
        )
        compared = await call(
            client,
            "ml_compare_models",
            data_path="data/visits.csv",
            target="label",
            models=["knn"],
            cv_folds=4,
            spec_id="ML-077",
        )
    (note,) = [w for w in trained["warnings"] if "groups" in w]
    assert f"or share a {group!r} value, in 100 groups" in note
    assert trained["metrics"]["accuracy"] < 0.7 < leaky_accuracy(frame)
    (row,) = compared["leaderboard"]  # the folds keep each patient in one fold: no leak there
    assert row["score"] < 0.7
