"""The time-series kind: its options and SPEC fields, reading and profiling series, refusing what
cannot be forecast in one line, and splits that never train on the future."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mcp_server.core.errors import DataError, MoaiMlError, SpecError
from mcp_server.ml.data.kinds.registry import kind_for
from mcp_server.ml.data.kinds.timeseries import TimeSeriesKind
from mcp_server.ml.data.series.split import RollingOrigin
from mcp_server.ml.spec.fields import DEFAULTS, checked
from tests.series.support import daily_sales, write_sales

OPTIONS = {"time_column": "date", "series_id": "store", "horizon": 7}


def _kind(**options: object) -> TimeSeriesKind:
    kind = kind_for(Path("x.csv"), "timeseries", {**OPTIONS, **options})
    assert isinstance(kind, TimeSeriesKind)
    return kind


def _later_than_window(rows: pd.DataFrame, train: np.ndarray, valid: np.ndarray) -> int:
    """Training rows later than the first validation time of their own series."""
    times = pd.to_datetime(rows["date"])
    first = times.iloc[valid].groupby(rows["store"].iloc[valid]).min()
    trained = pd.DataFrame({"store": rows["store"].iloc[train], "t": times.iloc[train]})
    return int((trained["t"] >= trained["store"].map(first)).sum())


def test_no_training_row_is_later_than_its_validation_window_in_any_series():
    # stores of different lengths, rows shuffled: positions are counted per series, by time
    rows = daily_sales(stores=4, days=90, shorter=10).sample(frac=1.0, random_state=3)
    rows = rows.reset_index(drop=True)
    kind = _kind()
    train, held = kind.holdout(rows, rows["sales"], "regression", 0.2, 42)
    assert _later_than_window(rows, train, held) == 0
    assert sorted(rows["store"].iloc[held].value_counts().tolist()) == [7, 7, 7, 7]
    folds = kind.folds("regression", 4, 42)
    assert isinstance(folds, RollingOrigin) and folds.get_n_splits() == 4
    windows = list(folds.split(rows))
    assert len(windows) == 4
    for fold, (fit, valid) in enumerate(windows):
        assert _later_than_window(rows, fit, valid) == 0
        assert len(valid) == 4 * 7 and not set(fit) & set(valid)
        if fold:  # expanding: each origin trains on everything the one before saw and more
            assert set(windows[fold - 1][0]) < set(fit)
    # on the whole table, the newest origin validates on the holdout's window
    assert set(windows[-1][1]) == set(held) and set(windows[-1][0]) == set(train)


def test_the_profile_names_frequency_gaps_series_lengths_and_weekly_seasonality(tmp_path: Path):
    frame = daily_sales(stores=3, days=120, shorter=5)
    frame = frame.drop(index=[10, 11, 50]).reset_index(drop=True)  # three missing days
    path = tmp_path / "sales.csv"
    frame.to_csv(path, index=False)
    kind = _kind()
    rows = kind.read(path)
    profile = kind.profile(rows, "sales", "auto")
    facts = profile.target_summary["series"]
    assert facts["frequency"] == "D" and facts["frequency_inferred"] is True
    assert facts["season_length"] == 7
    assert (facts["series"], facts["length_min"], facts["length_max"]) == (3, 110, 120)
    assert facts["gaps"] == 3
    assert facts["seasonality_strength"] > 0.5
    assert facts["zero_share"] == 0 and facts["intermittent_series"] == 0
    assert any("3 missing D steps" in f.message for f in profile.findings)
    assert profile.task == "regression"
    assert profile.roles == {
        "time_column": "date",
        "series_id": "store",
        "frequency": "D",
        "season_length": 7,
        "horizon": 7,
    }
    kinds = {c.name: c.kind.value for c in profile.columns}
    assert kinds["date"] == "datetime" and kinds["store"] == "categorical"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: pd.concat([f, f.iloc[[5]]]), r"1 rows repeat a \(series, time\) pair"),
        (lambda f: f.assign(date=f["date"].where(f.index != 3, "soon")), "not times"),
        (lambda f: f[f["store"] != "s0"].head(12), "too short to forecast 7"),
    ],
)
def test_what_cannot_be_forecast_is_refused_in_one_line(tmp_path: Path, change, message):
    path = tmp_path / "sales.csv"
    change(daily_sales(stores=2, days=60)).to_csv(path, index=False)
    kind = _kind()
    with pytest.raises(DataError, match=message) as caught:
        kind.profile(kind.read(path), "sales", "auto")
    assert "\n" not in str(caught.value)


def test_folds_refuse_series_too_short_for_the_horizon_and_folds():
    rows = daily_sales(stores=2, days=30)
    with pytest.raises(DataError, match=r"too short for rolling-origin folds .* lower the"):
        list(_kind().folds("regression", 4, 0).split(rows))


def test_series_fields_in_a_spec_are_checked_by_the_kind():
    base = {**DEFAULTS, "dataset": "d.csv", "target": "y", "metric": "mase", "threshold": 1.0}
    ok = checked({**base, "kind": "timeseries", "time_column": "date", "horizon": 14})
    assert ok["kind"] == "timeseries"
    assert ok["kind_options"] == {"time_column": "date", "horizon": 14}
    refusals = {
        "needs a horizon": {"kind": "timeseries"},
        "add `kind: timeseries`": {"horizon": 7},
        "whole number of steps": {"kind": "timeseries", "horizon": 2.5},
        "not a pandas offset alias": {"kind": "timeseries", "horizon": 7, "frequency": "fortnight"},
        "unknown kind": {"kind": "pictures"},
    }
    for message, fields in refusals.items():
        with pytest.raises(SpecError, match=message):
            checked({**base, **fields})


def test_kind_options_without_a_kind_or_for_the_table_kind_are_refused(tmp_path: Path):
    path = write_sales(tmp_path / "s.csv", stores=1, days=30)
    with pytest.raises(MoaiMlError, match="kind_options need a kind"):
        kind_for(path, None, {"horizon": 3})
    with pytest.raises(MoaiMlError, match="takes no kind_options"):
        kind_for(path, "table", {"horizon": 3})
    assert kind_for(path).name == "table"  # a series table is a CSV: only a hint names it


def test_the_profile_tool_reports_the_series_through_the_kind_hint(tmp_path: Path):
    from mcp_server.files.workspace import Workspace
    from mcp_server.tools.profile import profile_file

    write_sales(tmp_path / "data" / "sales.csv", stores=2, days=60)
    result = profile_file(
        Workspace(tmp_path), "data/sales.csv", "sales", "auto", 5, 5, "timeseries", OPTIONS
    )
    series = result.target_summary["series"]
    assert (series["series"], series["frequency"], series["length_max"]) == (2, "D", 60)
    assert result.task == "regression"
