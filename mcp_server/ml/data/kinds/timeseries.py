"""Time series: a table (CSV or Parquet, read by the table reader) with a time column, a target,
optionally a series id (many series) and covariates. Only a hint names it (a SPEC's `kind:` or a
tool's `kind` argument): a series table is a CSV file too.

Its options (`series.options.SeriesOptions`: time column, series id, horizon, frequency, season
length) come with the hint (`configured`). Reading parses the times and sorts the rows by series
and time; the profile adds the series' facts (`series.facts`) and the roles the forecasting
families are given (`Profile.roles` -> `Schema.roles`); the holdout is each series' last
`horizon` steps and the folds are rolling-origin (`series.split`). Only the families that list
"timeseries" in the registry fit it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import DataError
from mcp_server.ml.data.kinds.base import FamilyTraits, Routes, named_in_family
from mcp_server.ml.data.series.options import SeriesOptions

if TYPE_CHECKING:
    import pandas as pd

    from mcp_server.ml.data.profile import Profile

TIMESERIES = "timeseries"


class TimeSeriesKind:
    name = TIMESERIES
    routes = Routes(
        export_formats=("joblib", "pickle"),
        serving_runtimes=("joblib",),
        tdd_templates="tdd_series",
    )

    def __init__(self, options: SeriesOptions | None = None) -> None:
        self.options = options or SeriesOptions()

    def configured(self, values: dict[str, Any]) -> TimeSeriesKind:
        """This kind with the series' options (checked: one-line errors naming the fix)."""
        return TimeSeriesKind(SeriesOptions.of(values))

    @property
    def cache_key(self) -> str:
        """The kind and its options: a schema cached for other options is not this one's."""
        return f"{TIMESERIES}:{json.dumps(self.options.to_dict(), sort_keys=True)}"

    def detect(self, path: Path) -> bool:
        return False

    def check_size(self, path: Path) -> None:
        from mcp_server.ml.data.tables import check_loadable

        check_loadable(path)

    def fingerprint(self, path: Path) -> str:
        from mcp_server.ml.data.tables import file_sha256

        return file_sha256(path)

    def read(self, path: Path) -> pd.DataFrame:
        from mcp_server.ml.data.series.facts import check_times
        from mcp_server.ml.data.series.split import in_series_order
        from mcp_server.ml.data.tables import load_table

        frame = load_table(path)
        time = self.time_column(frame)
        if self.options.series_id and self.options.series_id not in frame.columns:
            raise DataError(
                f"series_id column {self.options.series_id!r} is not in {path.name}; name one "
                "of its columns in kind_options (or the SPEC's series_id)"
            )
        frame[time] = check_times(frame, time)
        ordered: pd.DataFrame = in_series_order(frame, time, self.options.series_id)
        return ordered

    def time_column(self, frame: Any) -> str:
        from mcp_server.ml.data.series.facts import time_column_of

        return time_column_of(frame, self.options.time_column)

    def profile(self, rows: pd.DataFrame, target: str | None, task: str) -> Profile:
        from mcp_server.ml.data.columns import Kind
        from mcp_server.ml.data.profile import Finding, profile_frame
        from mcp_server.ml.data.series.facts import series_facts

        if task not in ("auto", "regression"):
            raise DataError(
                f"a forecast's target is a number: pass task='regression' (or leave task out), "
                f"not {task!r}"
            )
        profile = profile_frame(rows, target, "regression" if target else task)
        time, series = self.time_column(rows), self.options.series_id
        roles_kind = {time: Kind.DATETIME, **({series: Kind.CATEGORICAL} if series else {})}
        profile.columns = [
            replace(c, kind=roles_kind[c.name]) if c.name in roles_kind else c
            for c in profile.columns
        ]
        profile.findings = [f for f in profile.findings if f.column not in roles_kind]
        if target is None:
            return profile
        facts, notes = series_facts(rows, target, time, self.options)
        profile.findings += [Finding("series", note) for note in notes]
        profile.target_summary = {**profile.target_summary, "series": facts}
        profile.task, profile.task_reason = "regression", "a forecast of the series' values"
        profile.roles = {
            "time_column": time,
            "series_id": series,
            "frequency": facts["frequency"],
            "season_length": facts["season_length"],
            "horizon": self._horizon(),
        }
        return profile

    def check_options(self) -> None:
        """Refuse options a forecast cannot run without (a SPEC's check)."""
        self._horizon()

    def _horizon(self) -> int:
        if self.options.horizon is None:
            raise DataError(
                "a time series needs a horizon: add `horizon: <steps>` to the SPEC's ## ML block "
                "(or kind_options={'horizon': ...})"
            )
        return self.options.horizon

    def holdout(
        self, rows: Any, y: Any, task: str, test_size: float, seed: int, groups: Any = None
    ) -> tuple[Any, Any]:
        """Each series' last `horizon` steps (test_size, seed and groups do not apply)."""
        from mcp_server.ml.data.series.split import holdout_positions

        return holdout_positions(
            rows, self.time_column(rows), self.options.series_id, self._horizon()
        )

    def folds(self, task: str, n_folds: int, seed: int, groups: Any = None) -> Any:
        """Rolling-origin folds, time-ordered (groups do not apply)."""
        from mcp_server.ml.data.series.split import RollingOrigin

        horizon = self._horizon()
        return RollingOrigin(self.options.time_column, self.options.series_id, horizon, n_folds)

    def accepts(self, family: FamilyTraits) -> bool:
        return named_in_family(self, family)
