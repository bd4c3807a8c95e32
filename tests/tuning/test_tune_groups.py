"""`ml_tune(spec_path=...)` with a SPEC `group_column` (issue 22): the SPEC's holdout and every
search fold keep a patient's rows together, so neither the search's CV nor the holdout scores a
patient the model was fitted on (5-NN on near copies would score far above a coin flip)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fitting.test_grouped_holdout import leaky_accuracy, repeated_rows, write_spec
from tests.support import copy_examples, inprocess_client
from tests.train_support import call

pytestmark = pytest.mark.anyio


async def test_a_tune_with_a_group_column_scores_unseen_patients_in_its_folds_and_holdout(
    tmp_path: Path,
):
    project = copy_examples(tmp_path / "project")
    frame = repeated_rows(noise=0.05)
    frame.to_csv(project / "data/visits.csv", index=False)
    write_spec(project, "ML-078", "data/visits.csv", "patient")
    async with inprocess_client(project) as client:
        result = await call(
            client,
            "ml_tune",
            spec_path="ML-078",
            models=["knn"],
            search_space={"knn": {"n_neighbors": [5], "weights": ["uniform"]}},
            strategy="grid",
            time_budget_s=30,
            background=False,
        )
    assert leaky_accuracy(frame) > 0.8
    assert result["best_cv"] < 0.7 and result["holdout_metrics"]["accuracy"] < 0.7
