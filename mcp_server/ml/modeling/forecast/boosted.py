"""Gradient boosting on lag, rolling and calendar features: one LightGBM model across all series
(each series divided by its mean absolute value, so series of any level share the trees),
forecasting recursively (each step's forecast becomes the next step's lag 1).

Features of the value at step t of a series: its values at t-1 ... t-min(season, 14) (t-14 when
the frequency has no season: a yearly series' cycle is not a calendar's), t-season and
t-2*season; the means of the last three and of the last season of those; the step's place in the
season; the day of week, day of month, month and hour of its time. Building them and forecasting
are vectorised across series: one matrix per step, never a loop per series.

With `difference`, the trees learn each step's change from the step before (its lags the earlier
changes) and the forecast is the changes summed onto each series' last value: trees cannot
forecast past the highest value they saw, a trend's changes they can. Off by default; `ml_tune`
searches it on the rolling-origin folds.
"""

from __future__ import annotations

from typing import Any

from mcp_server.ml.modeling.forecast.base import Forecaster

MAX_SHORT_LAGS = 14


class BoostedForecaster(Forecaster):
    def __init__(
        self,
        time_column: str = "time",
        series_id: str | None = None,
        frequency: str | None = None,
        season_length: int | None = None,
        horizon: int | None = None,
        interval_level: float = 0.9,
        n_estimators: int = 300,
        learning_rate: float = 0.05,
        num_leaves: int = 31,
        min_child_samples: int = 20,
        random_state: int | None = 0,
        n_jobs: int = 1,
        difference: bool = False,
    ) -> None:
        super().__init__(time_column, series_id, frequency, season_length, horizon, interval_level)
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.difference = difference

    def _short(self) -> int:
        """The recent steps each value is given: a season's, or 14 without a season."""
        return min(self.season_, MAX_SHORT_LAGS) if self.season_ > 1 else MAX_SHORT_LAGS

    def _lags(self) -> list[int]:
        m = self.season_
        return sorted({*range(1, self._short() + 1), m, 2 * m})

    def min_history(self) -> int:
        """Every lag of the first forecast step is in the history: twice the season (one step
        more when the trees learn the differences)."""
        return max(self._lags()) + int(bool(self.difference))

    def _absorb(self, Y: Any) -> None:
        """New series' levels; the trees stay as learned."""
        self._level(Y)

    def _level(self, Y: Any) -> None:
        import numpy as np

        level = np.nanmean(np.abs(Y), axis=1)
        self.norm_ = np.where(level > 0, level, 1.0)

    def _learn(self, Y: Any) -> None:
        import numpy as np
        from lightgbm import LGBMRegressor

        self._level(Y)
        Z = self._target(self._normalised(Y))
        rows, cols = np.nonzero(~np.isnan(Z))
        keep = cols > self.first_[rows] + int(bool(self.difference))
        rows, cols = rows[keep], cols[keep]
        self.model_ = LGBMRegressor(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
            verbose=-1,
        )
        self.model_.fit(self._features(Z, rows, cols), Z[rows, cols])

    def _target(self, Z: Any) -> Any:
        """What the trees learn: the normalised history, or its step-to-step differences (a trend
        the trees follow instead of flattening at the highest level they saw)."""
        import numpy as np

        if not self.difference:
            return Z
        D = np.full_like(Z, np.nan)
        D[:, 1:] = Z[:, 1:] - Z[:, :-1]
        return D

    def _normalised(self, Y: Any, width: int | None = None) -> Any:
        """The history divided by each series' level; NaN outside each series' own steps."""
        import numpy as np

        width = width or Y.shape[1]
        Z = np.full((len(Y), width), np.nan)
        Z[:, : Y.shape[1]] = Y / self.norm_[:, None]
        steps = np.arange(width)[None, :]
        Z[(steps > self.last_[:, None]) | (steps < self.first_[:, None])] = np.nan
        return Z

    def _features(self, Z: Any, rows: Any, cols: Any) -> Any:
        """One float32 matrix, filled column by column (a feature at a time in memory)."""
        import warnings

        import numpy as np

        lags = self._lags()
        short = self._short()
        out = np.empty((len(rows), len(lags) + 7), dtype="float32")
        for j, k in enumerate(lags):
            out[:, j] = Z[rows, np.maximum(cols - k, 0)]
            out[cols < k, j] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out[:, len(lags)] = np.nanmean(out[:, : min(3, short)], axis=1)
            out[:, len(lags) + 1] = np.nanmean(out[:, :short], axis=1)
        out[:, len(lags) + 2] = (cols + getattr(self, "phase_", 0)) % self.season_
        unique, inverse = np.unique(cols, return_inverse=True)
        times = self.grid_.times(unique)
        for j, part in enumerate(("day_of_week", "day", "month", "hour"), start=len(lags) + 3):
            out[:, j] = np.asarray(getattr(times, part))[inverse]
        return out

    def _forecast(self, steps: int) -> Any:
        import numpy as np

        width = int(self.last_.max()) + steps + 1
        Z = self._normalised(np.asarray(self.history_, dtype=float), width)
        rows = np.arange(len(Z))
        last = Z[rows, self.last_]
        Z = self._target(Z)
        for step in range(1, steps + 1):
            cols = self.last_ + step
            Z[rows, cols] = self.model_.predict(self._features(Z, rows, cols))
        ahead = Z[rows[:, None], self.last_[:, None] + 1 + np.arange(steps)[None, :]]
        if self.difference:  # the differences summed onto each series' last value
            ahead = last[:, None] + np.cumsum(ahead, axis=1)
        return ahead * self.norm_[:, None]
