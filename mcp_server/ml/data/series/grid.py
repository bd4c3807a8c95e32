"""The time axis of a set of series: a pandas offset from an origin, times as whole steps.

Every series of a table shares one frequency (given as a pandas offset alias, or inferred from
the most regular series); a time that is not a whole number of steps from the origin is refused.
The season length comes from the frequency by the usual convention (M4, statsforecast): hourly 24,
daily 7, business-daily 5, weekly 52, monthly 12, quarterly 4, minutes and seconds 60, else 1.
"""

from __future__ import annotations

import warnings
from typing import Any

from mcp_server.core.errors import DataError

SEASONS = {"h": 24, "D": 7, "B": 5, "W": 52, "ME": 12, "MS": 12, "M": 12, "QE": 4, "QS": 4}
SEASONS |= {"Q": 4, "min": 60, "s": 60, "BME": 12, "BMS": 12}


def offset_of(frequency: str) -> Any:
    """The pandas offset of an alias, or a one-line refusal naming valid ones."""
    from pandas.tseries.frequencies import to_offset

    try:
        return to_offset(frequency)
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"frequency {frequency!r} is not a pandas offset alias; set frequency in kind_options "
            "(or the SPEC's frequency) to one such as D, h, W, MS"
        ) from exc


def season_length_for(frequency: str) -> int:
    """The conventional season of a frequency (1 when it has none or the offset is a multiple)."""
    offset = offset_of(frequency)
    if offset.n != 1:
        return 1
    return SEASONS.get(offset.rule_code.split("-")[0], 1)


def infer_frequency(times: Any, codes: Any) -> str:
    """The frequency of the series: pandas' inference on the longest series, else the most common
    step between consecutive times as a fixed offset."""
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({"t": times, "s": codes}).sort_values(["s", "t"])
    longest = frame["s"].value_counts().index[0]
    own = pd.DatetimeIndex(frame.loc[frame["s"] == longest, "t"].drop_duplicates())
    if len(own) >= 3:
        with warnings.catch_warnings():  # pandas 3 warns it will return an offset: read both
            warnings.simplefilter("ignore")
            found = pd.infer_freq(own)
        if found is not None:
            return str(getattr(found, "freqstr", found))
    steps = frame.groupby("s")["t"].diff().dropna()
    steps = steps[steps > pd.Timedelta(0)]
    if steps.empty:
        raise DataError(
            "cannot infer the frequency from one time per series; give frequency in kind_options "
            "(or the SPEC's frequency), e.g. 'D'"
        )
    values, counts = np.unique(steps.to_numpy(), return_counts=True)
    return _alias(pd.Timedelta(values[counts.argmax()]))


def _alias(step: Any) -> str:
    """A fixed step as the coarsest alias it is a whole number of: 1 day is `D`, not `24h`."""
    import pandas as pd

    for unit in ("D", "h", "min", "s"):
        count, rest = divmod(step, pd.Timedelta(1, unit=unit))
        if rest == pd.Timedelta(0):
            return unit if count == 1 else f"{int(count)}{unit}"
    return str(pd.tseries.frequencies.to_offset(step).freqstr)


class TimeGrid:
    """Times as whole steps of `frequency` from `origin` (both fixed at fit)."""

    def __init__(self, origin: Any, frequency: str) -> None:
        import pandas as pd

        self.origin = pd.Timestamp(origin)
        self.frequency = frequency

    def positions(self, times: Any) -> Any:
        """Whole steps from the origin, or a `DataError` for a time off the grid."""
        import numpy as np
        import pandas as pd

        stamps = pd.DatetimeIndex(pd.to_datetime(times))
        offset = offset_of(self.frequency)
        nanos = getattr(offset, "nanos", None) if _is_tick(offset) else None
        if nanos:
            delta = (stamps - self.origin).asi8
            pos, rest = np.divmod(delta, nanos)
        else:
            pos, rest = self._calendar_positions(stamps)
        if np.any(rest != 0):
            bad = stamps[np.flatnonzero(rest != 0)[0]]
            raise DataError(
                f"time {bad} is not a whole {self.frequency} step from {self.origin}; "
                "fix the timestamps, or give frequency in kind_options (or the SPEC's frequency)"
            )
        return np.asarray(pos, dtype=np.int64)

    def _calendar_positions(self, stamps: Any) -> tuple[Any, Any]:
        import numpy as np
        import pandas as pd

        low, high = min(stamps.min(), self.origin), max(stamps.max(), self.origin)
        grid = pd.date_range(low, high, freq=self.frequency)
        if len(grid) == 0 or grid[0] != low:
            grid = pd.date_range(self.origin, high, freq=self.frequency)
        where = np.clip(grid.searchsorted(stamps), 0, len(grid) - 1)
        shift = int(grid.searchsorted(self.origin))
        rest = (grid[where] != stamps).astype(np.int64)
        return where - shift, rest

    def times(self, positions: Any) -> Any:
        """The timestamps at whole-step positions."""
        import numpy as np
        import pandas as pd

        positions = np.asarray(positions, dtype=np.int64)
        offset = offset_of(self.frequency)
        if _is_tick(offset):
            return pd.DatetimeIndex(self.origin + positions * pd.Timedelta(offset))
        top = int(positions.max()) if positions.size else 0
        grid = pd.date_range(self.origin, periods=top + 1, freq=self.frequency)
        return grid[positions]


def _is_tick(offset: Any) -> bool:
    from pandas.tseries.offsets import Tick

    return isinstance(offset, Tick)
