"""Monitoring a forecasting run (in-process): `ml_detect_drift` tests each series' level and
season between the run's training window and a new window (a known level shift found and named,
a window that continues the trend and season left alone) and the exogenous columns with the
table's tests; `ml_monitor_performance` scores the run's forecasts against actuals that arrived
later (MASE, sMAPE, bias per series) and alerts when the SPEC's gate fails on them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.series.support import daily_sales
from tests.support import inprocess_client
from tests.train_support import call

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.xdist_group("forecast_monitoring")]

DAYS, LATER, SHIFT = 120, 28, 15.0
SPEC = """---
id: ML-028
version: 0.0.1
status: draft
created: 2026-12-06
updated: 2026-12-06
author: "@moai-ml"
priority: high
---

# @SPEC:ML-028: Daily sales per store, monitored

## ML

```yaml
dataset: data/sales.csv
target: sales
task: regression
metric: mase
threshold: 1.0
kind: timeseries
time_column: date
series_id: store
horizon: 14
```
"""


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 120 days to train on; the 28 days after them as they came (`later.csv`), with
    store s1 selling 15 more a day (`shifted.csv`), and with every day a promotion
    (`promoted.csv`)."""
    root = tmp_path_factory.mktemp("forecast_monitoring") / "project"
    (root / "data").mkdir(parents=True)
    full = daily_sales(stores=3, days=DAYS + LATER, seed=3)
    day = (pd.to_datetime(full["date"]) - pd.Timestamp("2024-01-01")).dt.days
    full[day < DAYS].to_csv(root / "data" / "sales.csv", index=False)
    later = full[day >= DAYS]
    later.to_csv(root / "data" / "later.csv", index=False)
    shifted = later.assign(sales=later["sales"] + SHIFT * (later["store"] == "s1"))
    shifted.to_csv(root / "data" / "shifted.csv", index=False)
    later.assign(promo=1).to_csv(root / "data" / "promoted.csv", index=False)
    spec = root / ".moai" / "specs" / "SPEC-ML-028" / "spec.md"
    spec.parent.mkdir(parents=True)
    spec.write_text(SPEC, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
async def client(project: Path):  # type: ignore[no-untyped-def]
    async with inprocess_client(project) as client:
        yield client


@pytest.fixture(scope="module")
async def run_id(client) -> str:  # type: ignore[no-untyped-def]
    trained = await call(
        client,
        "ml_train",
        data_path="data/sales.csv",
        target="sales",
        model="theta",
        spec_id="ML-028",
    )
    assert trained["gates_passed"] is True
    return str(trained["run_id"])


def _column(result: dict, name: str) -> dict:  # type: ignore[type-arg]
    return next(c for c in result["columns"] if c["column"] == name)


async def test_a_level_shift_of_one_store_is_found_as_drift_of_the_target_level_naming_it(
    client, run_id: str
) -> None:
    found = await call(client, "ml_detect_drift", reference=run_id, current="data/shifted.csv")
    level = _column(found, "sales level")
    assert found["drift"] is True and level["drifted"] is True and level["kind"] == "series"
    assert level["note"].startswith(
        "1 of 3 series moved: s1 +1"
    )  # +15 or so, in the target's units
    assert level["statistic"] <= 0.05 and "sales level" in found["headline"]
    assert _column(found, "promo")["drifted"] is False  # the exogenous column did not move
    assert "ml_monitor_performance" in found["next_step"]


async def test_a_window_that_continues_the_trend_and_season_shows_no_drift(
    client, run_id: str
) -> None:
    found = await call(client, "ml_detect_drift", reference=run_id, current="data/later.csv")
    assert found["drift"] is False, found["headline"]
    assert not _column(found, "sales level")["drifted"]
    assert not _column(found, "sales season")["drifted"]
    assert found["next_step"].startswith("No action")


async def test_an_exogenous_column_that_moved_is_drift_though_the_target_did_not(
    client, run_id: str
) -> None:
    found = await call(client, "ml_detect_drift", reference=run_id, current="data/promoted.csv")
    assert found["drift"] is True and found["drifted_columns"] == ["promo"]
    assert "promo" in found["headline"]


async def test_actuals_worse_than_the_holdout_raise_a_performance_alert_naming_the_worst_store(
    client, run_id: str
) -> None:
    checked = await call(
        client, "ml_monitor_performance", run_id=run_id, current="data/shifted.csv"
    )
    chunks = {c["chunk"]: c for c in checked["chunks"]}
    assert [c["chunk"] for c in checked["chunks"]][:2] == ["all series", "series s1"]
    assert chunks["series s1"]["alert"] and not chunks["series s0"]["alert"]
    assert chunks["series s1"]["values"]["bias"] == pytest.approx(-SHIFT, abs=3.0)
    assert chunks["series s1"]["values"]["mase"] > 5 * checked["holdout"]["mase"]
    assert set(chunks["series s0"]["values"]) >= {"mase", "smape", "rmse", "bias"}
    assert checked["gates"] == {"mase": 1.0} and checked["holdout"]["mase"] < 1.0
    assert any(a.startswith("series s1: mase") for a in checked["alerts"])
    assert "worst series s1" in " ".join(checked["notes"])
    assert "ml_detect_drift" in checked["next_step"]


async def test_actuals_like_the_holdout_raise_no_alert(client, run_id: str) -> None:
    checked = await call(client, "ml_monitor_performance", run_id=run_id, current="data/later.csv")
    assert checked["alerts"] == [] and checked["chunks"][0]["values"]["mase"] < 1.0
    assert checked["chunks"][0]["rows"] == 3 * LATER
    assert checked["next_step"].startswith("No action")
