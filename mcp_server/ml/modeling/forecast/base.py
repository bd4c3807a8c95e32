"""What every forecasting family shares: the rows in, the history as a series-by-step matrix, the
season and its scale (MASE's denominator), forecasts for the rows out, conformal intervals.

`fit(X, y)` reads the time column and the series id of the rows, lays the target on the time grid
(one row of the matrix per series, gaps filled forward), and calls the family's `_learn`;
`predict(X)` asks the family's `_forecast(steps)` for each row's series and step past its last
time (in-sample times get the value one season earlier). Intervals are split-conformal: the
family is fitted once more without each series' last `horizon` steps (`_calibration_twin`; the
recurrent networks continue that history with the network itself), and the scaled absolute
errors of that forecast, per step, give the interval's half-width at `interval_level`.
"""

from __future__ import annotations

from typing import Any

from sklearn.base import BaseEstimator, RegressorMixin, clone

from mcp_server.core.errors import DataError, MoaiMlError
from mcp_server.ml.modeling.forecast.calibration import conformal_widths, season_scale

ONE_SERIES = "_"  # the series id of a table without a series column


class Forecaster(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    """The base of the forecasting families; subclasses add `_learn(Y)` and `_forecast(steps)`."""

    def __init__(
        self,
        time_column: str = "time",
        series_id: str | None = None,
        frequency: str | None = None,
        season_length: int | None = None,
        horizon: int | None = None,
        interval_level: float = 0.9,
    ) -> None:
        self.time_column = time_column
        self.series_id = series_id
        self.frequency = frequency
        self.season_length = season_length
        self.horizon = horizon
        self.interval_level = interval_level

    # -- the family's part -------------------------------------------------------------------
    def _learn(self, Y: Any) -> None:
        raise NotImplementedError

    def _forecast(self, steps: int) -> Any:
        raise NotImplementedError

    # -- fitting -----------------------------------------------------------------------------
    def fit(self, X: Any, y: Any) -> Forecaster:
        from mcp_server.ml.data.series.grid import (
            TimeGrid,
            infer_frequency,
            season_length_for,
        )

        times = self._times(X)
        self.frequency_ = self.frequency or infer_frequency(times, self._series_codes(X)[1])
        self.season_ = int(self.season_length or season_length_for(self.frequency_))
        self.grid_ = TimeGrid(times.min(), self.frequency_)
        Y = self._lay(X, y)
        self._learn(Y)
        self.n_features_in_ = X.shape[1]
        return self

    def _lay(self, X: Any, y: Any) -> Any:
        """The target on `grid_`, a row per series (gaps filled forward): sets the series, their
        first and last steps, the history and its season scale."""
        import numpy as np
        import pandas as pd

        self.series_, codes = self._series_codes(X)
        pos = self.grid_.positions(self._times(X))
        Y = np.full((len(self.series_), int(pos.max()) + 1), np.nan)
        Y[codes, pos] = np.asarray(y, dtype=float)
        steps = np.arange(Y.shape[1])
        seen = ~np.isnan(Y)
        self.first_ = np.where(seen, steps, Y.shape[1]).min(axis=1)
        self.last_ = np.where(seen, steps, -1).max(axis=1)
        Y = pd.DataFrame(Y).ffill(axis=1).to_numpy()
        self.scale_ = season_scale(Y, self.season_)
        self.history_ = Y.astype("float32")
        return Y

    def from_history(self, X: Any, y: Any) -> Forecaster:
        """This fitted model continuing the given rows instead of its training history: what it
        learned across series (the boosted trees, the interval widths) is kept, each series'
        own state (levels, last season, an ETS fit) is taken from the rows. The rows must be on
        the model's frequency (a `DataError` otherwise) with `min_history()` steps per series."""
        import copy

        import numpy as np

        from mcp_server.ml.data.series.grid import TimeGrid, infer_frequency

        times, ids = self._times(X), self.series_of(X)
        if len(set(zip(ids, times, strict=True))) < len(ids):
            raise DataError(
                "the rows repeat a time of a series; give one row per series and time (several "
                "series need a model trained with the SPEC's series_id)"
            )
        found = infer_frequency(times, ids)
        if found != self.frequency_:
            raise DataError(
                f"the rows are {found} steps apart; the model forecasts {self.frequency_} steps: "
                f"send rows {self.frequency_} apart, or retrain at {found} (the SPEC's frequency)"
            )
        self.calibrated()
        twin = copy.copy(self)
        start = times.min()
        twin.phase_ = (getattr(self, "phase_", 0) + int(self.grid_.positions([start])[0])) % max(
            self.season_, 1
        )
        twin.grid_ = TimeGrid(start, self.frequency_)
        span = int(twin.grid_.positions([times.max()])[0]) + 1
        if span * len(set(ids)) > SPAN_CELLS_PER_ROW * len(ids) + SPAN_CELLS_FREE:
            raise DataError(
                f"the rows span {span} {self.frequency_} steps for {len(ids)} rows; send each "
                "series' recent history (gaps are filled with the last value, so keep them short), "
                f"or, for data sparser than {self.frequency_}, retrain at a coarser step (the "
                "SPEC's frequency)"
            )
        Y = twin._lay(X, y)
        length = twin.last_ - twin.first_ + 1
        if length.min() < self.min_history():
            short = twin.series_[int(np.argmin(length))]
            raise DataError(
                f"series {short!r} has {int(length.min())} steps of history; the model needs "
                f"at least {self.min_history()} per series (its lags and season): send more, or "
                "retrain with a shorter season (the SPEC's season_length)"
            )
        twin._absorb(Y)
        return twin

    def min_history(self) -> int:
        """The fewest steps of history per series `from_history` takes: one season."""
        return int(self.season_)

    def _absorb(self, Y: Any) -> None:
        """Take each series' state from a new history; by default the family learns it again
        (a local family's whole state is its series')."""
        self._learn(Y)

    def calibrated(self) -> Any:
        """The interval's half-widths per step (scaled), calibrated on first use; None when the
        series were too short for it."""
        if not hasattr(self, "interval_width_"):
            self.interval_width_ = self._calibrate()
        return self.interval_width_

    def _calibrate(self) -> Any:
        """Per step, the `interval_level` quantile of |error| / scale over the series, from a fit
        without each series' last `horizon` steps; None where a series is too short for it.
        Done once, when an interval is first asked for (a fit that needs none pays nothing)."""
        import numpy as np

        Y = np.asarray(self.history_, dtype=float)
        steps = int(self.horizon or self.season_)
        need = steps + max(2 * self.season_ + 2, self.min_history())
        if (self.last_ - self.first_ + 1).min() < need:
            return None
        cut = Y.copy()
        cut[np.arange(Y.shape[1])[None, :] > (self.last_ - steps)[:, None]] = np.nan
        twin = self._calibration_twin(cut, steps)
        columns = twin.last_[:, None] + 1 + np.arange(steps)[None, :]
        actual = Y[np.arange(len(Y))[:, None], columns]
        errors = np.abs(actual - twin._forecast(steps)) / self.scale_[:, None]
        return conformal_widths(errors, self.interval_level)

    def _calibration_twin(self, cut: Any, steps: int) -> Forecaster:
        """The family fitted again on the history without each series' last `steps` (`cut`)."""
        twin: Forecaster = clone(self)
        for name in ("frequency_", "season_", "grid_", "series_", "first_", "scale_"):
            setattr(twin, name, getattr(self, name))
        twin.last_ = self.last_ - steps
        twin.history_ = cut
        twin._learn(cut)
        return twin

    # -- predicting --------------------------------------------------------------------------
    def predict(self, X: Any) -> Any:
        import numpy as np

        codes, ahead = self._locate(X)
        out = np.empty(len(codes), dtype=float)
        future = ahead >= 1
        if future.any():
            forecast = self._forecast(int(ahead.max()))
            out[future] = forecast[codes[future], ahead[future] - 1]
        past = ~future
        if past.any():  # a time inside the history: the value one season earlier
            column = np.maximum(self.last_[codes[past]] + ahead[past] - self.season_, 0)
            out[past] = self.history_[codes[past], column]
        return out

    def predict_interval(self, X: Any) -> Any:
        """The forecast and its conformal interval at `interval_level`: a frame of `forecast`,
        `lower` and `upper`, one row per row of `X`."""
        import numpy as np
        import pandas as pd

        if self.calibrated() is None:
            raise MoaiMlError(
                "the series were too short to calibrate intervals; retrain (ml_train) on more "
                "history per series"
            )
        codes, ahead = self._locate(X)
        forecast = self.predict(X)
        step = np.clip(ahead, 1, len(self.interval_width_)) - 1
        half = self.interval_width_[step] * self.scale_[codes]
        index = getattr(X, "index", None)
        frame = {"forecast": forecast, "lower": forecast - half, "upper": forecast + half}
        return pd.DataFrame(frame, index=index)

    def forecast_frame(self, steps: int | None = None) -> Any:
        """The next `steps` (default: the horizon) of every series past its end, with intervals:
        one row per (series, step), the series id and time columns as fitted, then `forecast`,
        `lower` and `upper` (the interval is NaN where the series were too short to calibrate)."""
        import numpy as np
        import pandas as pd

        steps = int(steps or self.horizon or self.season_)
        positions = (self.last_[:, None] + 1 + np.arange(steps)[None, :]).ravel()
        rows = pd.DataFrame({self.time_column: self.grid_.times(positions)})
        if self.series_id is not None:
            rows.insert(0, self.series_id, np.repeat(self.series_, steps))
        try:
            bands = self.predict_interval(rows)
        except MoaiMlError:  # too short to calibrate: the forecast alone
            forecast = self.predict(rows)
            bands = pd.DataFrame({"forecast": forecast, "lower": np.nan, "upper": np.nan})
        return pd.concat([rows, bands.reset_index(drop=True)], axis=1)

    def season_scale(self, X: Any) -> Any:
        """Each row's MASE denominator: its series' mean absolute seasonal difference in the
        history the model saw (one step when the series is shorter than two seasons)."""
        codes, _ = self._locate(X)
        return self.scale_[codes]

    def _locate(self, X: Any) -> tuple[Any, Any]:
        """Each row's series (its row in the history) and its steps past that series' end."""
        import numpy as np

        ids = self.series_of(X)
        codes = np.searchsorted(self.series_, ids)
        codes = np.clip(codes, 0, len(self.series_) - 1)
        unknown = self.series_[codes] != ids
        if unknown.any():
            raise DataError(
                f"series {ids[np.flatnonzero(unknown)[0]]!r} has no history in the model; "
                "forecast only the series it was fitted on, or retrain (ml_train) on rows that "
                "hold it"
            )
        ahead = self.grid_.positions(self._times(X)) - self.last_[codes]
        return codes, ahead

    def _times(self, X: Any) -> Any:
        import pandas as pd

        if self.time_column not in X.columns:
            raise DataError(
                f"time column {self.time_column!r} is not among the rows' columns; give data_path "
                "rows that hold it"
            )
        times = pd.to_datetime(X[self.time_column], errors="coerce")
        if times.isna().any():
            raise DataError(
                f"time column {self.time_column!r} has missing or unparseable times; fix or drop "
                "those rows of data_path"
            )
        return times

    def _series_codes(self, X: Any) -> tuple[Any, Any]:
        """(the sorted series ids as text, each row's code into them), as `np.unique` of
        `series_of` gives them but without a Python string per row (10,000 series of 200 rows:
        about 140 MB less)."""
        import numpy as np
        import pandas as pd

        if self.series_id is None:
            return np.array([ONE_SERIES], dtype=object), np.zeros(len(X), dtype=np.intp)
        codes, ids = pd.factorize(X[self.series_id].astype(str), sort=True)
        if (codes < 0).any():  # a missing id: as np.unique of the ids takes (or refuses) it
            ids, codes = np.unique(self.series_of(X), return_inverse=True)
        return np.asarray(ids, dtype=object), codes

    def series_of(self, X: Any) -> Any:
        """Each row's series id as text (one series: the same id for every row)."""
        import numpy as np

        if self.series_id is None:
            return np.full(len(X), ONE_SERIES, dtype=object)
        return X[self.series_id].astype(str).to_numpy(dtype=object)


# `from_history` lays the rows on a (series x steps) matrix: its cells stay within these per row
SPAN_CELLS_PER_ROW, SPAN_CELLS_FREE = 20, 100_000
