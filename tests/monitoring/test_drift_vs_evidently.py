"""Our drift tests against `evidently` itself (its own venv, made by tests/monitoring/setup.sh)."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mcp_server.ml.data.tables import load_table
from mcp_server.ml.monitoring.drift import detect

ROOT = Path(__file__).resolve().parents[2]
EVIDENTLY = ROOT / ".venv-evidently" / "bin" / "python"
KINDS = {"num": "numerical", "cat": "categorical"}


def _frame(
    rng: np.random.Generator, n: int, shift: float, new_category: bool = False
) -> pd.DataFrame:
    colours = np.array(["red", "green", "blue", "black"] + (["violet"] if new_category else []))
    weights = np.array([0.4, 0.3, 0.2, 0.1] + ([0.3] if new_category else []))
    return pd.DataFrame(
        {
            "income": rng.normal(50 + 8 * shift, 10, n),
            "stable": rng.normal(0, 1, n),
            "age": rng.integers(18, 80 + int(20 * shift), n),
            "children": rng.integers(0, 4, n),
            "smoker": rng.choice(["yes", "no"], n, p=[0.2 + 0.3 * shift, 0.8 - 0.3 * shift]),
            "colour": rng.choice(colours, n, p=weights / weights.sum()),
            "active": rng.random(n) < 0.5 + 0.2 * shift,
            "grade": rng.choice(
                [1.0, 1.5, 2.0, 2.5], n, p=[0.25, 0.25, 0.25 - 0.1 * shift, 0.25 + 0.1 * shift]
            ),
        }
    )


def _with_gaps(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[rng.random(len(frame)) < 0.1, "income"] = np.nan
    frame.loc[rng.random(len(frame)) < 0.02, "stable"] = np.inf
    # Evidently drops infinities only from columns that also have missing values (it crashes on the
    # others' histograms); we always drop them. Compare where both follow the documented rule.
    frame.loc[frame.index[:3], "stable"] = np.nan
    frame.loc[rng.random(len(frame)) < 0.05, "colour"] = None
    return frame


def _tiny(rng: np.random.Generator, n: int, other: bool) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "constant": np.full(n, 7.0),
            "flips": np.full(n, "b" if other else "a"),
            "five": rng.choice([0.1, 0.2, 0.3, 0.4, 0.5], n),
            "six": rng.choice([0.1, 0.2, 0.3, 0.4, 0.5, 0.6 + other], n),
            "wide": rng.normal(3 * other, 1, n),
        }
    )


def pairs(rng: np.random.Generator) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Reference/current pairs on both sides of Evidently's 1000-row switch, drifted and not."""
    return {
        "small_drifted": (_frame(rng, 300, 0), _frame(rng, 200, 1, new_category=True)),
        "small_same_with_gaps": (
            _with_gaps(_frame(rng, 800, 0), rng),
            _with_gaps(_frame(rng, 700, 0), rng),
        ),
        "boundary_1000": (_frame(rng, 1000, 0), _frame(rng, 1001, 0.3)),
        "boundary_1001": (_frame(rng, 1001, 0), _frame(rng, 60, 0.3)),
        "large_drifted": (_frame(rng, 4000, 0), _frame(rng, 2500, 1, new_category=True)),
        "large_same_with_gaps": (
            _with_gaps(_frame(rng, 2000, 0), rng),
            _with_gaps(_frame(rng, 1500, 0), rng),
        ),
        "tiny_edge_cases": (_tiny(rng, 40, False), _tiny(rng, 15, True)),
        "large_edge_cases": (_tiny(rng, 1500, False), _tiny(rng, 900, True)),
    }


def _same(ours: float | None, theirs: float) -> bool:
    if ours is None:
        return False
    if math.isnan(theirs) or math.isinf(theirs):
        return math.isnan(ours) if math.isnan(theirs) else ours == theirs
    return math.isclose(ours, theirs, rel_tol=1e-6, abs_tol=1e-9)


def _evidently(folder: Path, data: dict[str, tuple[pd.DataFrame, pd.DataFrame]]) -> dict[str, Any]:
    if not EVIDENTLY.exists():
        pytest.fail(
            "evidently's venv is missing: run `bash tests/monitoring/setup.sh` (make test does)"
        )
    listing = []
    for name, (reference, current) in data.items():
        reference.to_parquet(folder / f"{name}-ref.parquet")
        current.to_parquet(folder / f"{name}-cur.parquet")
        listing.append(
            {
                "name": name,
                "reference": str(folder / f"{name}-ref.parquet"),
                "current": str(folder / f"{name}-cur.parquet"),
            }
        )
    done = subprocess.run(
        [str(EVIDENTLY), str(Path(__file__).with_name("evidently_drift.py")), json.dumps(listing)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout))


@pytest.mark.external  # evidently in .venv-evidently
def test_every_column_verdict_and_statistic_match_evidently_on_eight_pairs(tmp_path: Path) -> None:
    data = pairs(np.random.default_rng(12))
    theirs = _evidently(tmp_path, data)
    tests_seen, mismatches = set(), []
    for name in data:
        reference = load_table(tmp_path / f"{name}-ref.parquet")
        current = load_table(tmp_path / f"{name}-cur.parquet")
        report = detect(reference, current, psi=True)
        expected = theirs[name]
        assert sorted(c.column for c in report.columns) == sorted(expected["default"]), name
        for col in report.columns:
            want = expected["default"][col.column]
            tests_seen.add(col.test)
            got = (KINDS[want["kind"]], want["test"], want["drifted"])
            if (col.kind, col.test, col.drifted) != got or not _same(
                col.statistic, want["statistic"]
            ):
                mismatches.append(
                    (name, col.column, col.kind, col.test, col.statistic, col.drifted, want)
                )
            if not _same(col.psi, expected["psi"][col.column]):
                mismatches.append((name, col.column, "psi", col.psi, expected["psi"][col.column]))
        assert report.dataset_drift == expected["dataset_drift"], name
        assert math.isclose(report.share, expected["share"], abs_tol=1e-4), name
    assert not mismatches, mismatches
    # the pairs exercise every default test on both sides of the 1000-row switch
    assert tests_seen == {"ks", "chisquare", "z", "wasserstein", "jensenshannon"}
    assert any(theirs[n]["dataset_drift"] for n in data) and not all(
        theirs[n]["dataset_drift"] for n in data
    )
