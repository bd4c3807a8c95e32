"""Real series a package ships (issue 25's figure): the model the product picks within 60 s against
statsforecast's AutoETS and AutoARIMA and the seasonal naive, on the same final holdout, MASE for
each, side by side in one run.

The series, from statsmodels' bundled datasets (nothing downloaded):
- CO2 (Mauna Loa, weekly, 1958-2001): resampled as a forecaster of it would, to monthly means
  (`MS`): the 59 missing weeks are interpolated linearly first, the 52.18-week year is not a whole
  number of weekly steps and a month is. 526 months, season 12, the last 24 months held out.
- Sunspots (yearly activity, 1700-2008): 309 years at `YS`, season 1 (the M4 convention for
  yearly data; the 11-year cycle is not a calendar season), the last 11 years held out.

The product: `ml_compare_models` then `ml_tune` through the in-process client (the server's real
tools, job processes and MLflow store), each with `time_budget_s=60` as a user would call them, on
the training part only (so no fold sees the holdout); the compare's winner is trained by
`ml_train` on the whole table, whose holdout is each series' last `horizon` rows (the same one),
and the tune's winner, refitted on the training part, forecasts the holdout. Both models are read
back from their runs and asked for the holdout's rows.

statsforecast runs in its own venv (`.venv-statsforecast`, made by
scripts/setup_statsforecast_venv.sh: it needs pandas<3) on the same training part.

MASE for every line is computed here, one way: mean |actual - forecast| over the holdout divided
by the mean |y_t - y_(t-m)| of the training part (m: the season above).

Run: `.venv/bin/python bench/series_real.py [--series co2 sunspots] [--budget 60]`
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.series_real_product import product_lines  # noqa: E402

SF_VENV = ROOT / ".venv-statsforecast"
SERIES = {  # name: (horizon, season)
    "co2": (24, 12),
    "sunspots": (11, 1),
}
STATSFORECAST = r"""
import json, sys, time
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import AutoARIMA, AutoETS
train, horizon, season, frequency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
frame = pd.read_csv(train, parse_dates=["ds"])
frame.insert(0, "unique_id", "s")
out = {}
for name, model in (("AutoETS", AutoETS(season_length=season)),
                    ("AutoARIMA", AutoARIMA(season_length=season))):
    started = time.perf_counter()
    sf = StatsForecast(models=[model], freq=frequency, n_jobs=1)
    forecast = sf.forecast(df=frame, h=horizon)
    out[name] = {"forecast": forecast[name].tolist(), "seconds": time.perf_counter() - started}
print("RESULT " + json.dumps(out))
"""


def load(name: str) -> tuple[pd.DataFrame, str]:
    """The series as a (ds, y) table and its pandas frequency."""
    import statsmodels.api as sm

    if name == "co2":
        weekly = sm.datasets.co2.load_pandas().data["co2"].interpolate(method="linear")
        monthly = weekly.resample("MS").mean()
        return pd.DataFrame({"ds": monthly.index, "y": monthly.to_numpy()}), "MS"
    raw = sm.datasets.sunspots.load_pandas().data
    years = pd.to_datetime(raw["YEAR"].astype(int).astype(str), format="%Y")
    return pd.DataFrame({"ds": years, "y": raw["SUNACTIVITY"].to_numpy(float)}), "YS"


def mase(actual: Any, forecast: Any, history: Any, season: int) -> float:
    history = np.asarray(history, dtype=float)
    scale = np.mean(np.abs(history[season:] - history[:-season]))
    return float(np.mean(np.abs(np.asarray(actual) - np.asarray(forecast))) / scale)


def statsforecast_lines(train: Path, horizon: int, season: int, frequency: str) -> dict[str, Any]:
    subprocess.run(["bash", str(ROOT / "scripts" / "setup_statsforecast_venv.sh")], check=True)
    python = str(SF_VENV / "bin" / "python")
    done = subprocess.run(
        [python, "-c", STATSFORECAST, str(train), str(horizon), str(season), frequency],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    if not lines:
        raise SystemExit(f"statsforecast failed: {done.stderr.strip()[-1500:]}")
    return dict(json.loads(lines[-1][7:]))


def one_series(name: str, project: Path, budget: int) -> dict[str, Any]:
    frame, frequency = load(name)
    horizon, season = SERIES[name]
    train, holdout = frame.iloc[:-horizon], frame.iloc[-horizon:]
    data = project / "data"
    data.mkdir(parents=True, exist_ok=True)
    frame.to_csv(data / f"{name}.csv", index=False)
    train.to_csv(data / f"{name}_train.csv", index=False)
    history, actual = train["y"].to_numpy(), holdout["y"].to_numpy()
    naive = np.resize(history[-season:], horizon)
    lines: dict[str, Any] = {"seasonal naive": {"forecast": naive, "seconds": 0.0}}
    lines |= statsforecast_lines(data / f"{name}_train.csv", horizon, season, frequency)
    product = product_lines(project, name, horizon, budget, holdout[["ds"]])
    lines |= product["lines"]
    for line in lines.values():
        line["mase"] = mase(actual, line["forecast"], history, season)
    return {"lines": lines, "compare": product["compare"], "horizon": horizon, "season": season}


def report(name: str, got: dict[str, Any]) -> bool:
    lines = got["lines"]
    print(f"\n== {name}: horizon {got['horizon']}, season {got['season']} ==")
    print(f"{'forecaster':44} {'MASE':>8} {'seconds':>9}")
    for label, line in lines.items():
        print(f"{label:44} {line['mase']:8.3f} {line['seconds']:9.1f}")
    yardstick = min(lines["AutoETS"]["mase"], lines["AutoARIMA"]["mase"])
    ours = [v["mase"] for k, v in lines.items() if k.startswith("product")]
    won = all(value <= yardstick for value in ours)
    print(
        f"better of AutoETS/AutoARIMA: {yardstick:.3f}; the product's picks: "
        f"{', '.join(f'{v:.3f}' for v in ours)} -> {'within' if won else 'ABOVE'} it"
    )
    print("the compare's word per family against the seasonal naive (its CV MASE):")
    for entry in got["compare"]["leaderboard"]:
        print(f"  {entry['model']:16} {entry['score']:8.3f}  {entry['versus_baseline']}")
    for entry in got["compare"]["not_ranked"]:
        print(f"  {entry['model']:16} {entry['status']}: {entry['message']}")
    return won


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", nargs="+", default=list(SERIES), choices=list(SERIES))
    parser.add_argument("--budget", type=int, default=60)
    args = parser.parse_args()
    project = Path(tempfile.mkdtemp(prefix="bench-series-real-"))
    started = time.perf_counter()
    results = {name: one_series(name, project, args.budget) for name in args.series}
    verdicts = [report(name, got) for name, got in results.items()]
    print(f"\n{time.perf_counter() - started:.0f} s in all; workspace {project}")
    sys.exit(0 if all(verdicts) else 1)


if __name__ == "__main__":
    main()
