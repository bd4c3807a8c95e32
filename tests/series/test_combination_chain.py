"""The combination family through the whole chain, in-process: compared on rolling-origin folds,
trained with each store's last `horizon` days held out, evaluated, exported as joblib (loaded by
plain joblib in a fresh interpreter, forecasting the same numbers), served by a real `POST
/forecast` (its members rebuilt from plain values, continuing the posted history as the run's
model does), registered, and tuned."""

from __future__ import annotations

from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tracking.runs import get_store
from tests.series.support import fresh_predictions, write_sales
from tests.support import inprocess_client, uvicorn_service
from tests.train_support import call

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

HORIZON, STORES = 7, 2
OPTIONS = {"time_column": "date", "series_id": "store", "horizon": HORIZON}
DATA = {"data_path": "data/sales.csv", "target": "sales", "kind": "timeseries"}


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


def _served_matches_the_model(service: Path, model: object, history: pd.DataFrame) -> None:
    rows = [
        {"date": r.date, "store": r.store, "sales": float(r.sales)}
        for r in history.itertuples(index=False)
    ]
    frame = history.assign(date=pd.to_datetime(history["date"]))
    want = model.from_history(frame, frame["sales"]).forecast_frame()  # type: ignore[attr-defined]
    with uvicorn_service(service, "/ready", "--workers", "1") as base:
        meta = httpx.get(f"{base}/metadata").json()
        assert meta["family"] == "CombinationForecaster"
        reply = httpx.post(f"{base}/forecast", json={"rows": rows}, timeout=120)
    assert reply.status_code == 200, reply.text
    got = pd.DataFrame(reply.json()["forecasts"])
    assert list(got["series"]) == list(want["store"])
    for column in ("forecast", "lower", "upper"):
        np.testing.assert_allclose(got[column], want[column], rtol=0, atol=1e-9)


async def test_the_combination_compares_trains_evaluates_exports_serves_registers_and_tunes(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    write_sales(project / "data" / "sales.csv", stores=STORES, days=70, seed=5)
    async with inprocess_client(project) as client:
        compared = await call(
            client, "ml_compare_models", **DATA, kind_options=OPTIONS, models=["combo"]
        )
        board = {e["model"]: e for e in compared["leaderboard"]}
        assert set(board) == {"seasonal_naive", "combo"}
        assert board["combo"]["score"] < board["seasonal_naive"]["score"]

        trained = await call(client, "ml_train", **DATA, kind_options=OPTIONS, model="combo")
        run_id = trained["run_id"]
        assert trained["test_rows"] == STORES * HORIZON
        evaluated = await call(client, "ml_evaluate", run_id=run_id)
        assert evaluated["metrics"]["mase"] == pytest.approx(trained["metrics"]["mase"])
        exported = await call(client, "ml_export", run_id=run_id, format="joblib")
        served = await call(client, "ml_generate_serving", run_id=run_id)
        registered = await call(client, "ml_register_model", run_id=run_id)
        assert registered["version"]
        tuned = await call(
            client,
            "ml_tune",
            **DATA,
            kind_options=OPTIONS,
            models=["combo"],
            strategy="grid",  # two distinct points of its space (a random repeat is not refitted)
            n_trials=2,
            time_budget_s=600,
        )
    assert tuned["best_model"] == "combo" and tuned["trials_done"] == 2

    data = pd.read_csv(project / "data" / "sales.csv")
    holdout = data.groupby("store").tail(HORIZON)[["date", "store"]]
    model = get_store(Workspace(project)).load_run(run_id).model
    fresh = fresh_predictions(project, exported["path"], holdout)
    np.testing.assert_array_equal(fresh, model.predict(holdout))
    service = project / served["output_dir"]
    assert "mcp_server" not in "".join(p.read_text() for p in service.rglob("*.py"))
    _served_matches_the_model(service, model.steps[-1][1], data.groupby("store").tail(40))
