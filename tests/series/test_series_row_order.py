"""A time-series run trained on a CSV whose rows are shuffled is read back in the order its kind
read it (series, then time): its recorded holdout positions name each store's last `horizon` days,
and drift and performance monitoring of the run see the same training and holdout rows as for the
same table written sorted."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tracking.run_data import run_data
from mcp_server.ml.tracking.runs import get_store
from tests.series.support import daily_sales
from tests.support import inprocess_client
from tests.train_support import call

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.xdist_group("series_row_order")]

DAYS, LATER, HORIZON = 90, 21, 14
OPTIONS = {"time_column": "date", "series_id": "store", "horizon": HORIZON}


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same 90 days of three stores written sorted and shuffled; the 21 days after them."""
    root = tmp_path_factory.mktemp("series_row_order") / "project"
    (root / "data").mkdir(parents=True)
    full = daily_sales(stores=3, days=DAYS + LATER, seed=5)
    day = (pd.to_datetime(full["date"]) - pd.Timestamp("2024-01-01")).dt.days
    full[day < DAYS].to_csv(root / "data" / "sorted.csv", index=False)
    shuffled = full[day < DAYS].sample(frac=1.0, random_state=0)
    shuffled.to_csv(root / "data" / "shuffled.csv", index=False)
    full[day >= DAYS].to_csv(root / "data" / "later.csv", index=False)
    return root


async def _monitored(client, data_path: str) -> tuple[str, dict, dict]:  # type: ignore[no-untyped-def,type-arg]
    trained = await call(
        client,
        "ml_train",
        data_path=data_path,
        target="sales",
        model="seasonal_naive",
        kind="timeseries",
        kind_options=OPTIONS,
    )
    run_id = trained["run_id"]
    drift = await call(client, "ml_detect_drift", reference=run_id, current="data/later.csv")
    performance = await call(
        client, "ml_monitor_performance", run_id=run_id, current="data/later.csv"
    )
    return run_id, drift, performance


async def test_a_shuffled_series_csv_gives_the_runs_monitoring_the_same_rows_as_a_sorted_one(
    project: Path, tmp_path: Path
) -> None:
    async with inprocess_client(project) as client:
        sorted_run, sorted_drift, sorted_perf = await _monitored(client, "data/sorted.csv")
        shuffled_run, shuffled_drift, shuffled_perf = await _monitored(client, "data/shuffled.csv")
    store = get_store(Workspace(project))
    run = store.get_run(shuffled_run)
    data = run_data(store, run, store.load_run(shuffled_run).schema, tmp_path)
    last_day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=DAYS - 1)
    holdout_days = pd.to_datetime(data.holdout["date"])
    assert len(data.holdout) == 3 * HORIZON
    assert holdout_days.min() == last_day - pd.Timedelta(days=HORIZON - 1)
    assert pd.to_datetime(data.train["date"]).max() < holdout_days.min()
    assert shuffled_drift["columns"] == sorted_drift["columns"]
    assert shuffled_perf["chunks"] == sorted_perf["chunks"]
    assert sorted_run != shuffled_run
