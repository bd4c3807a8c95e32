"""The leakage check's screen of a wide table, column chunk by column chunk (memory bounded by the
chunk)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mcp_server.ml.data import leakage


def _wide(
    task: str, columns: int = 1500, rows: int = 300
) -> tuple[list[tuple[str, pd.Series]], pd.Series]:
    """Noise columns with ties of every kind (repeated values, whole duplicate columns), a strong
    honest
    feature and, late in the table (another chunk than the first), a near-copy of the target."""
    rng = np.random.default_rng(3)
    y = pd.Series(
        rng.normal(size=rows)
        if task == "regression"
        else rng.integers(0, 2 if task == "binary" else 3, rows).astype("int64")
    )
    frame = pd.DataFrame(
        rng.normal(size=(rows, columns)), columns=[f"m{i}" for i in range(columns)]
    )
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
    one_pass = [
        name for name, _ in leakage._most_suspect(candidates, y, task, chunk=len(candidates))
    ]
    assert len(one_pass) == leakage._EXACT_MAX and "m1234" in one_pass
    assert leakage._SCREEN_CHUNK < len(candidates)  # the default really screens in several chunks
    for chunk in (None, 7, 100, 1499):
        assert [
            name for name, _ in leakage._most_suspect(candidates, y, task, chunk=chunk)
        ] == one_pass, chunk


def test_the_chunked_screen_still_finds_a_leak_hidden_in_a_late_chunk_of_noise():
    candidates, y = _wide("binary", columns=2000)
    screened = leakage._most_suspect(candidates, y, "binary", chunk=128)
    names = [name for name, _ in screened]
    assert "m1234" in names  # column 1234 sits in the tenth chunk of 128
    assert [
        n for n, x in screened if leakage._one_feature_score(x, y, "binary") >= leakage.LEAK_SCORE
    ] == ["m1234"]


@pytest.mark.parametrize("minority", [0.19, 0.5])
def test_a_leak_with_a_few_wrong_rows_passes_the_screen_and_is_flagged(minority: float):
    """Near the edge of what the screen may rule out: a class of 19% (just above its floor) and
    label noise that leaves the leak a balanced accuracy just over 0.99."""
    rng = np.random.default_rng(11)
    rows = 6000
    y = (rng.random(rows) < minority).astype("int64")
    leak = y.astype("float64") + rng.normal(0, 0.1, rows)
    flipped = rng.random(rows) < 0.003  # rows whose leak points at the wrong class
    leak[flipped] = 1.0 - y[flipped] + rng.normal(0, 0.1, int(flipped.sum()))
    frame = pd.DataFrame(
        {"leak": leak, "noise": rng.normal(size=rows), "weak": y + rng.normal(0, 2, rows)}
    )
    frame["target"] = np.where(y == 1, "churn", "stay")
    found = dict(leakage.leaking_columns(frame, "target", "binary", ["leak", "noise", "weak"]))
    assert set(found) == {"leak"} and found["leak"] >= leakage.LEAK_SCORE


def test_profiling_a_balanced_table_of_honest_columns_needs_no_exact_check():
    """The screen rules every column out, so the profile never even imports scikit-learn."""
    import subprocess
    import sys

    script = (
        "import sys, numpy as np, pandas as pd\n"
        "from mcp_server.ml.data.profile import profile_frame\n"
        "rng = np.random.default_rng(0)\n"
        "frame = pd.DataFrame(rng.normal(size=(20000, 30)), columns=[f'f{i}' for i in range(30)])\n"
        "frame['target'] = np.where(frame['f0'] + rng.normal(0, 3, 20000) > 0, 'yes', 'no')\n"
        "profile = profile_frame(frame, 'target')\n"
        "assert not profile.flagged('leakage'), profile.findings\n"
        "print('sklearn' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "False"
