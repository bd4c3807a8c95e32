"""Generated series for the time-series tests: daily store sales with a weekly pattern (its size
differs per store), a slow trend and noise; `days` per store, optionally shortened per store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from tests.support import ROOT

WEEK = np.array([0.0, 1.0, 2.0, 3.0, 5.0, 9.0, 4.0])


def daily_sales(stores: int = 3, days: int = 200, seed: int = 0, shorter: int = 0) -> pd.DataFrame:
    """One row per (store, day); store i has `days - i * shorter` days ending on the same day."""
    rng = np.random.default_rng(seed)
    frames = []
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(days=days - 1)
    for s in range(stores):
        n = days - s * shorter
        t = pd.date_range(end=end, periods=n, freq="D")
        y = 50 + 10 * s + 0.05 * np.arange(n) + WEEK[t.day_of_week] * (1 + s)
        y = y + rng.normal(0, 1, n)
        frames.append(pd.DataFrame({"date": t.strftime("%Y-%m-%d"), "store": f"s{s}", "sales": y}))
    out = pd.concat(frames, ignore_index=True)
    out["promo"] = rng.integers(0, 2, len(out))
    out["sales"] = out["sales"].round(3)
    return out


def write_sales(path: Path, **kwargs: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    daily_sales(**kwargs).to_csv(path, index=False)
    return path


# a forecaster's exported file loaded with plain joblib, predicting posted rows
LOAD = """
import json, sys
import joblib, pandas as pd
model = joblib.load(sys.argv[1])
rows = pd.read_json(sys.argv[2], orient="records", dtype=False)
print(json.dumps([float(v) for v in model.predict(rows)]))
"""


def fresh_predictions(project: Path, exported: str, rows: pd.DataFrame) -> list[float]:
    """The exported file loaded with plain joblib in a new interpreter, predicting `rows`."""
    posted = project / "rows.json"
    posted.write_text(rows.to_json(orient="records"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", LOAD, str(project / exported), str(posted)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return list(json.loads(done.stdout.strip().splitlines()[-1]))
