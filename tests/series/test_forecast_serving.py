"""The forecast service of a time-series run, run for real: a forecaster trained by the tools,
`ml_generate_serving` writes its service, uvicorn serves it on 127.0.0.1, and the horizon it
answers for the CSV's own last rows per store is the run's joblib model continuing those rows;
bad rows get a 4xx naming the problem, never a 5xx."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from mcp_server.files.workspace import Workspace
from mcp_server.ml.tracking.runs import get_store
from tests.series.support import write_sales
from tests.support import ROOT, generated_pytest, inprocess_client, uvicorn_service
from tests.train_support import call, call_error

pytestmark = [pytest.mark.anyio, pytest.mark.slow]  # no fixture shared: each test a work unit
HORIZON = 14
OPTIONS = {"time_column": "date", "series_id": "store", "horizon": HORIZON}


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {"date": r.date, "store": r.store, "sales": float(r.sales)}
        for r in frame.itertuples(index=False)
    ]


def _expected(model: Any, history: pd.DataFrame) -> pd.DataFrame:
    """The run's own model continuing `history` (dates parsed as the service parses them)."""
    frame = history[["date", "store", "sales"]].assign(date=pd.to_datetime(history["date"]))
    return model.from_history(frame, frame["sales"]).forecast_frame()


def _post(base: str, rows: list[dict[str, Any]]) -> httpx.Response:
    return httpx.post(f"{base}/forecast", json={"rows": rows}, timeout=60)


async def test_the_forecast_service_answers_the_run_models_forecast_and_refuses_bad_history(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    write_sales(project / "data" / "sales.csv", stores=3, days=120)
    async with inprocess_client(project) as client:
        trained = await call(
            client,
            "ml_train",
            data_path="data/sales.csv",
            target="sales",
            model="lgbm_forecast",
            kind="timeseries",
            kind_options=OPTIONS,
        )
        run_id = trained["run_id"]
        refused = await call_error(client, "ml_generate_serving", run_id=run_id, runtime="onnx")
        served = await call(client, "ml_generate_serving", run_id=run_id)
    assert "joblib" in refused and "\n" not in refused.strip()
    assert served["runtime"] == "joblib" and "POST /forecast" in served["endpoints"]
    service = project / served["output_dir"]
    assert "mcp_server" not in "".join(p.read_text() for p in service.rglob("*.py"))
    # the forecaster's modules are copied beside the app: this package is no requirement of it
    assert "moai-domain-ml" not in (service / "requirements.txt").read_text()
    model = get_store(Workspace(project)).load_run(run_id).model.steps[-1][1]
    data = pd.read_csv(project / "data" / "sales.csv")
    history = data.groupby("store").tail(60)

    with uvicorn_service(service, "/ready", "--workers", "1") as base:
        meta = httpx.get(f"{base}/metadata").json()
        assert httpx.get(f"{base}/health").json() == {"status": "ok"}
        assert (meta["horizon"], meta["frequency"], meta["series_id"]) == (HORIZON, "D", "store")
        assert (meta["time_column"], meta["family"]) == ("date", "BoostedForecaster")
        assert meta["interval_level"] == 0.9 and meta["run_id"] == run_id

        reply = _post(base, _rows(history))
        assert reply.status_code == 200, reply.text
        got = pd.DataFrame(reply.json()["forecasts"])
        want = _expected(model, history)
        assert got.groupby("series").size().to_dict() == {f"s{i}": HORIZON for i in range(3)}
        assert list(got["series"]) == list(want["store"])
        assert list(pd.to_datetime(got["time"])) == list(want["date"])
        for column in ("forecast", "lower", "upper"):
            np.testing.assert_allclose(got[column], want[column], rtol=0, atol=1e-9)
        assert (got["lower"] <= got["forecast"]).all() and (got["forecast"] <= got["upper"]).all()
        # the same rows from the store's own model: the last rows continue the training series
        first = pd.to_datetime(got["time"]).min()
        assert first == pd.to_datetime(data["date"]).max() + pd.Timedelta(days=1)

        _assert_bad_rows_get_4xx(base, history, meta["min_history"])


def _assert_bad_rows_get_4xx(base: str, history: pd.DataFrame, needed: int) -> None:
    rows = _rows(history)
    start = pd.Timestamp("2024-01-01")  # 60 rows per store: hour i % 60 is unique per store
    hourly = [dict(r, date=str(start + pd.Timedelta(hours=i % 60))) for i, r in enumerate(rows)]
    irregular = [r for i, r in enumerate(rows) if i % 3 != 1]  # 1- and 2-day steps
    short = _rows(history.groupby("store").tail(needed - 1))
    cases = {
        "hourly": (hourly, "steps"),
        "irregular": (irregular, "steps"),
        "short": (short, "at least"),
        "unparseable": ([dict(rows[0], date="not a day"), *rows[1:]], "not a time"),
        "repeated": ([*rows, rows[-1]], "repeat"),
        "centuries apart": ([dict(rows[0], date="1800-01-01"), *rows[1:]], "recent history"),
        "no target": ([{k: v for k, v in r.items() if k != "sales"} for r in rows], "sales"),
        "text target": ([dict(r, sales="12") for r in rows], "number"),
        "empty": ([], "at least 1"),
    }
    for name, (bad, says) in cases.items():
        reply = _post(base, bad)
        assert reply.status_code == 422, (name, reply.text)
        assert says in reply.json()["detail"][0]["msg"], (name, reply.text)
    assert httpx.post(f"{base}/forecast", content=b'{"rows": [', timeout=30).status_code == 422
    # hostile series ids are data: answered as given, never a 5xx
    hostile = ['a"b', "x'\ny", "\u202e</script>", "{{ 1 }}"]
    renamed = {f"s{i}": name for i, name in enumerate(hostile)}
    odd = [dict(r, store=renamed[r["store"]]) for r in rows]
    reply = _post(base, odd)
    assert reply.status_code == 200, reply.text
    assert sorted({f["series"] for f in reply.json()["forecasts"]}) == sorted(hostile[:3])


@pytest.mark.parametrize(
    "family", ["seasonal_naive", "ets", "theta", "arima", "lgbm_forecast", "combo"]
)
def test_generated_forecast_code_compiles_and_passes_ruff_with_hostile_column_names(
    tmp_path: Path, family: str
) -> None:
    from mcp_server.ml.data.schema import Schema
    from mcp_server.ml.modeling.estimators import make_estimator
    from mcp_server.ml.serving.forecast import render_forecast_service
    from mcp_server.ml.serving.service import ModelInfo
    from tests.series.support import daily_sales

    time, series, target = "da\"te\n'", "st'o\"re\n{{ x }}", "sa\"les\\n'''"
    data = daily_sales(stores=2, days=60).rename(
        columns={"date": time, "store": series, "sales": target}
    )
    roles = {"time_column": time, "series_id": series, "horizon": 7}
    # ARIMA's order fixed: its stepwise search (run again on the example history by the service's
    # own tests) is no part of the names the code is generated with
    fixed = {"order": (1, 0, 1), "seasonal_order": (0, 1, 1, 7)} if family == "arima" else {}
    model = make_estimator(family, "regression", {**roles, **fixed}, 0)
    model.fit(data[[time, series]], data[target])
    schema = Schema(target, "regression", [], {}, [], {})
    info = ModelInfo(model, schema, family, "0" * 32, {"mase": 1.0}, {})
    files = render_forecast_service(info)
    for path, content in files.items():
        out = tmp_path / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(content if isinstance(content, bytes) else content.encode())
    for path in tmp_path.rglob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    ruff = str(Path(sys.executable).parent / "ruff")
    ours = [str(p) for p in tmp_path.rglob("*.py") if not p.read_text().startswith("# Copied")]
    assert len(ours) == 5  # main, forecaster, app/__init__, the tests, conftest
    strict = ["--config", str(ROOT / "tests/fixtures/user_project_ruff.toml")]
    for command in (
        ["check", "."],  # the service's own config (moai-domain-ml's copied modules excluded)
        ["format", "--check", "--isolated", *ours],
        ["check", *strict, *ours],
    ):
        checked = subprocess.run(
            [ruff, *command, "--no-cache"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.returncode == 0, (command, checked.stdout[-3000:])
    own = generated_pytest(tmp_path)  # its own tests: the example answered, short history refused
    assert own.returncode == 0 and "3 passed" in own.stdout, own.stdout[-3000:]
