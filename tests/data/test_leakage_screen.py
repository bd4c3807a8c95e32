"""The leakage check's screen of a wide table, column chunk by column chunk (memory bounded by the chunk)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mcp_server.ml.data import leakage


def _wide(task: str, columns: int = 1500, rows: int = 300) -> tuple[list[tuple[str, pd.Series]], pd.Series]:
    """Noise columns with ties of every kind (repeated values, whole duplicate columns), a strong honest
    feature and, late in the table (another chunk than the first), a near-copy of the target."""
    rng = np.random.default_rng(3)
    y = pd.Series(
        rng.normal(size=rows)
        if task == "regression"
        else rng.integers(0, 2 if task == "binary" else 3, rows).astype("int64")
    )
    frame = pd.DataFrame(rng.normal(size=(rows, columns)), columns=[f"m{i}" for i in range(columns)])
    for i in range(0, columns, 9):
        frame[f"m{i}"] = rng.integers(0, 4, rows).astype("float64")  # many ties inside the column
    for i in range(5, columns, 97):
        frame[f"m{i}"] = frame[f"m{i - 5}"]  # equal roughness: the order among ties must hold too
    frame["m77"] = y + rng.normal(0, 0.8, rows)
    frame["m1234"] = y * 3 + rng.normal(0, 1e-3, rows)
    return [(name, frame[name]) for name in frame.columns], y


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_the_chunked_screen_ranks_a_wide_table_exactly_like_one_pass_over_every_column(task: str):
    candidates, y = _wide(task)
    one_pass = [name for name, _ in leakage._most_suspect(candidates, y, task, chunk=len(candidates))]
    assert len(one_pass) == leakage._EXACT_MAX and "m1234" in one_pass
    assert leakage._SCREEN_CHUNK < len(candidates)  # the default really screens in several chunks
    for chunk in (None, 7, 100, 1499):
        assert [name for name, _ in leakage._most_suspect(candidates, y, task, chunk=chunk)] == one_pass, chunk


def test_the_chunked_screen_still_finds_a_leak_hidden_in_a_late_chunk_of_noise():
    candidates, y = _wide("binary", columns=2000)
    screened = leakage._most_suspect(candidates, y, "binary", chunk=128)
    names = [name for name, _ in screened]
    assert "m1234" in names  # column 1234 sits in the tenth chunk of 128
    assert [n for n, x in screened if leakage._one_feature_score(x, y, "binary") >= leakage.LEAK_SCORE] == ["m1234"]
