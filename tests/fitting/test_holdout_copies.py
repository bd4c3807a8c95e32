"""A holdout whose rows are copies of training rows is said to be one: a table with duplicate rows
puts copies across the split, where a memorising model scores them as if unseen (issue 22)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.support import copy_examples, inprocess_client
from tests.train_support import call

pytestmark = pytest.mark.anyio


async def test_a_table_of_repeated_rows_warns_that_the_holdout_holds_copies_of_training_rows(
    tmp_path: Path,
):
    project = copy_examples(tmp_path / "project")
    table = pd.read_csv(project / "data/breast_cancer.csv")
    pd.concat([table, table.head(300)]).to_csv(project / "data/repeated.csv", index=False)
    async with inprocess_client(project) as client:
        repeated = await call(
            client,
            "ml_train",
            data_path="data/repeated.csv",
            target="target",
            model="knn",
        )
        plain = await call(
            client,
            "ml_train",
            data_path="data/breast_cancer.csv",
            target="target",
            model="knn",
        )
    (note,) = [w for w in repeated["warnings"] if "exact copies of training rows" in w]
    copies, holdout = (int(n.replace(",", "")) for n in note.split(" holdout")[0].split(" of "))
    assert holdout == repeated["test_rows"] and 0 < copies <= holdout
    # each of the 300 repeated rows is in the holdout with its twin in training about 2/10 * 8/10
    # of the time, both ways: about 96 of the 174 holdout rows, never none
    assert 40 <= copies <= 140, note
    assert not [w for w in plain["warnings"] if "exact copies" in w]
