"""What a profile says about series, and what it refuses: the frequency (given or inferred; gaps
and duplicate timestamps named), the series count and lengths, the strength of the season and of
the trend (1 - var(remainder) / var(component + remainder) of a moving-average decomposition, the
median over series), zeros and intermittent series (more than half zeros)."""

from __future__ import annotations

import warnings
from typing import Any

from mcp_server.core.errors import DataError
from mcp_server.ml.data.series.options import SeriesOptions


def time_column_of(frame: Any, given: str | None) -> str:
    """The given time column, else the table's one column of times."""
    import pandas as pd

    if given is not None:
        if given not in frame.columns:
            raise DataError(f"time_column {given!r} is not a column of the table")
        return given
    found = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    for name in frame.columns if not found else []:
        if frame[name].dtype == object or pd.api.types.is_string_dtype(frame[name]):
            parsed = pd.to_datetime(frame[name].head(50), errors="coerce", format="mixed")
            if parsed.notna().all():
                found.append(name)
    if len(found) != 1:
        raise DataError(f"name the time column (time_column: ...): found {len(found)} date columns")
    return str(found[0])


def check_times(frame: Any, time_column: str) -> Any:
    """The time column parsed, or a one-line refusal naming the first value that is not a time."""
    import pandas as pd

    raw = frame[time_column]
    times = pd.to_datetime(raw, errors="coerce", format="mixed")
    bad = times.isna() & raw.notna()
    if bad.any() or times.isna().any():
        first = raw[bad].iloc[0] if bad.any() else "an empty cell"
        raise DataError(
            f"time column {time_column!r} has values that are not times (e.g. {first!r}); "
            "fix or drop those rows, or name the time column as time_column in kind_options "
            "(or the SPEC's time_column)"
        )
    return times


def series_facts(
    frame: Any, target: str, time_column: str, options: SeriesOptions
) -> tuple[dict[str, Any], list[str]]:
    """The series' facts (for the profile) and warnings; refuses duplicates and short series."""
    import numpy as np
    import pandas as pd

    from mcp_server.ml.data.series.grid import TimeGrid, infer_frequency, season_length_for

    times = pd.to_datetime(frame[time_column])
    ids = frame[options.series_id].astype(str) if options.series_id else pd.Series("_", frame.index)
    _refuse_duplicates(ids, times, options.series_id)
    frequency = options.frequency or infer_frequency(times, ids.to_numpy())
    season = int(options.season_length or season_length_for(frequency))
    keys, codes = np.unique(ids.to_numpy(), return_inverse=True)
    pos = TimeGrid(times.min(), frequency).positions(times)
    spans, counts = _spans(codes, pos, len(keys))
    _refuse_short(keys, spans, options.horizon)
    Y = np.full((len(keys), int(pos.max()) + 1), np.nan)
    Y[codes, pos] = pd.to_numeric(frame[target], errors="coerce").to_numpy(dtype=float)
    zeros = float(np.nanmean(Y == 0)) if np.isfinite(Y).any() else 0.0
    intermittent = int((np.nansum(Y == 0, axis=1) > counts / 2).sum())
    season_strength, trend_strength = strengths(pd.DataFrame(Y).ffill(axis=1).to_numpy(), season)
    gaps = int((spans - counts).sum())
    facts = {
        "frequency": frequency,
        "frequency_inferred": options.frequency is None,
        "season_length": season,
        "series": len(keys),
        "length_min": int(spans.min()),
        "length_median": float(np.median(spans)),
        "length_max": int(spans.max()),
        "gaps": gaps,
        "seasonality_strength": season_strength,
        "trend_strength": trend_strength,
        "zero_share": round(zeros, 4),
        "intermittent_series": intermittent,
    }
    notes = []
    if gaps:
        notes.append(
            f"{gaps} missing {frequency} steps inside the series; models fill them forward"
        )
    if intermittent:
        notes.append(f"{intermittent} series are intermittent (more than half zeros)")
    return facts, notes


def _spans(codes: Any, pos: Any, n: int) -> tuple[Any, Any]:
    """Per series, its steps from first to last time, and its rows."""
    import numpy as np

    first = np.full(n, pos.max()).astype(np.int64)
    np.minimum.at(first, codes, pos)
    last = np.zeros(n, dtype=np.int64)
    np.maximum.at(last, codes, pos)
    return last - first + 1, np.bincount(codes, minlength=n)


def _refuse_duplicates(ids: Any, times: Any, series_id: str | None) -> None:
    import pandas as pd

    pairs = pd.DataFrame({"s": ids.to_numpy(), "t": times.to_numpy()})
    repeated = pairs.duplicated()
    if repeated.any():
        row = pairs[repeated].iloc[0]
        where = f"series {row['s']!r} at " if series_id else ""
        raise DataError(
            f"{int(repeated.sum())} rows repeat a (series, time) pair (e.g. {where}{row['t']}); "
            "aggregate them to one row per time, or name the series column as series_id in "
            "kind_options (or the SPEC's series_id)"
        )


def _refuse_short(keys: Any, spans: Any, horizon: int | None) -> None:
    if horizon is None:
        return
    need = 2 * horizon + 1
    if spans.min() < need:
        raise DataError(
            f"series {keys[spans.argmin()]!r} has {int(spans.min())} steps, too short to forecast "
            f"{horizon} (needs {need}); lower horizon in kind_options (or the SPEC's horizon) or "
            "drop the short series"
        )


def strengths(Y: Any, season: int) -> tuple[float | None, float | None]:
    """Median over series of the season's and the trend's strength (None without a season)."""
    import numpy as np
    import pandas as pd

    if Y.shape[1] < 2 * max(season, 2):
        return None, None
    window = season if season > 1 else 3
    trend = pd.DataFrame(Y.T).rolling(window, center=True, min_periods=1).mean().to_numpy().T
    detrended = Y - trend
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        phases = np.arange(Y.shape[1]) % max(season, 1)
        means = np.column_stack(
            [np.nanmean(detrended[:, phases == p], axis=1) for p in range(max(season, 1))]
        )
        seasonal = means[:, phases] if season > 1 else np.zeros_like(Y)
        rest = detrended - seasonal
        var_rest = np.nanvar(rest, axis=1)
        s = np.nanmedian(np.clip(1 - var_rest / np.nanvar(seasonal + rest, axis=1), 0, 1))
        t = np.nanmedian(np.clip(1 - var_rest / np.nanvar(trend + rest, axis=1), 0, 1))
    return (round(float(s), 4) if season > 1 else None), round(float(t), 4)
