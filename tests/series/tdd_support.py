"""A forecast SPEC over a hostile sales table for the TDD tests: the target, time and series
columns named with quotes, a newline and a Jinja marker, store ids with quotes and a newline."""

from __future__ import annotations

from pathlib import Path

from tests.series.support import daily_sales

TARGET = 'sa"les\n{{ x }}'
TIME = "da'te"
SERIES = 'st"ore\nid'
HORIZON = 14


def spec_text(metric: str = "mase", threshold: float = 1.0, extra: str = "") -> str:
    import json

    return f"""---
id: ML-026
version: 0.0.1
status: draft
created: 2026-12-06
updated: 2026-12-06
author: "@moai-ml"
priority: high
---

# @SPEC:ML-026: Daily sales per store, two weeks ahead

## ML

```yaml
dataset: data/sales.csv
target: {json.dumps(TARGET)}
task: regression
metric: {metric}
threshold: {threshold}
cv_folds: 2
kind: timeseries
time_column: {json.dumps(TIME)}
series_id: {json.dumps(SERIES)}
horizon: {HORIZON}
{extra}```
"""


def hostile_project(root: Path, stores: int = 3, days: int = 120, **spec: object) -> Path:
    frame = daily_sales(stores=stores, days=days)
    frame["store"] = frame["store"].map(lambda s: f'{s} "o\'neil"\n')
    frame = frame.rename(columns={"sales": TARGET, "date": TIME, "store": SERIES})
    (root / "data").mkdir(parents=True, exist_ok=True)
    frame.to_csv(root / "data" / "sales.csv", index=False)
    folder = root / ".moai" / "specs" / "SPEC-ML-026"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spec.md").write_text(spec_text(**spec), encoding="utf-8")  # type: ignore[arg-type]
    return root
