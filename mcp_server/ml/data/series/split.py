"""Time-ordered splits of series rows: the holdout is the last `horizon` steps of every series;
the folds are rolling-origin with an expanding window, the horizon as the step (fold i validates
on the i-th last window of `horizon` steps of every series and trains on everything before it).

Positions count each series' rows from its end, so no training row of a series is later than its
validation window, whatever order the rows come in."""

from __future__ import annotations

from typing import Any

from mcp_server.core.errors import DataError


def in_series_order(frame: Any, time_column: str, series_id: str | None) -> Any:
    """The rows sorted by series id, then time (stable), index reset: the order the time-series
    kind reads a table in, so the row positions a run records (its holdout) mean the same rows
    to every later reader of the file, whatever order its rows were written in."""
    import pandas as pd

    order = pd.DataFrame({"t": pd.to_datetime(frame[time_column], errors="coerce").to_numpy()})
    keys = ["t"]
    if series_id:
        order.insert(0, "s", frame[series_id].to_numpy())
        keys = ["s", "t"]
    positions = order.sort_values(keys, kind="stable").index.to_numpy()
    return frame.iloc[positions].reset_index(drop=True)


def steps_from_end(rows: Any, time_column: str, series_id: str | None) -> Any:
    """For each row, how many rows of its series are later than it (0: the series' last row)."""
    import numpy as np
    import pandas as pd

    times = pd.to_datetime(rows[time_column], errors="coerce")
    keys = rows[series_id].astype(str) if series_id else pd.Series("_", index=rows.index)
    order = pd.DataFrame({"s": keys.to_numpy(), "t": times.to_numpy()})
    ranked = order.groupby("s")["t"].rank(method="first", ascending=False)
    return ranked.to_numpy(dtype=np.int64) - 1


def holdout_positions(
    rows: Any, time_column: str, series_id: str | None, horizon: int
) -> tuple[Any, Any]:
    """(train, holdout) row positions: the holdout is each series' last `horizon` rows."""
    import numpy as np

    back = steps_from_end(rows, time_column, series_id)
    _check_length(rows, series_id, horizon, 1, "a holdout")
    return np.flatnonzero(back >= horizon), np.flatnonzero(back < horizon)


class RollingOrigin:
    """Expanding-window rolling-origin folds, oldest origin first; scikit-learn's `split` and
    `get_n_splits`, so any `cv=` argument takes it."""

    def __init__(
        self, time_column: str | None, series_id: str | None, horizon: int, n_splits: int
    ) -> None:
        self.time_column = time_column
        self.series_id = series_id
        self.horizon = horizon
        self.n_splits = n_splits

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return self.n_splits

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Any:
        import numpy as np

        from mcp_server.ml.data.series.facts import time_column_of

        time = time_column_of(X, self.time_column)
        back = steps_from_end(X, time, self.series_id)
        _check_length(X, self.series_id, self.horizon, self.n_splits, "rolling-origin folds")
        for fold in range(self.n_splits, 0, -1):
            start, end = (fold - 1) * self.horizon, fold * self.horizon
            yield np.flatnonzero(back >= end), np.flatnonzero((back >= start) & (back < end))


def _check_length(rows: Any, series_id: str | None, horizon: int, windows: int, what: str) -> None:
    """Every series needs `windows` windows of `horizon` rows and as many rows to learn from."""
    import numpy as np

    need = (windows + 1) * horizon
    if series_id:
        keys, counts = np.unique(rows[series_id].astype(str).to_numpy(), return_counts=True)
    else:
        keys, counts = np.array(["the series"]), np.array([len(rows)])
    if len(counts):
        name, size = keys[counts.argmin()], int(counts.min())
        if size < need:
            raise DataError(
                f"series {name!r} has {size} rows, too short for {what} of horizon {horizon} "
                f"(needs {need}); lower the horizon or cv_folds, or drop the short series"
            )
