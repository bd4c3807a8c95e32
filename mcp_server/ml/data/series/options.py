"""What makes a table a set of series: its time column, its series id (optional: one series), the
horizon to forecast (steps), its frequency (a pandas offset alias; inferred when not given) and
its season length (from the frequency when not given). A SPEC's `## ML` fields and a tool's
`kind_options` name them; `SeriesOptions.of` checks them with one-line errors naming the fix."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from mcp_server.core.errors import DataError

FIELDS = ("time_column", "series_id", "horizon", "frequency", "season_length")


@dataclass(frozen=True)
class SeriesOptions:
    time_column: str | None = None  # None: the table's one date column
    series_id: str | None = None  # None: the whole table is one series
    horizon: int | None = None  # steps to forecast; required to split or fit
    frequency: str | None = None  # None: inferred from the times
    season_length: int | None = None  # None: from the frequency (`series.grid.SEASONS`)

    @classmethod
    def of(cls, values: dict[str, Any]) -> SeriesOptions:
        unknown = sorted(set(values) - set(FIELDS))
        if unknown:
            raise DataError(
                f"unknown time-series option(s) {unknown} in kind_options; valid keys: "
                f"{', '.join(FIELDS)}"
            )
        return cls(
            time_column=_name(values, "time_column"),
            series_id=_name(values, "series_id"),
            horizon=_count(values, "horizon"),
            frequency=_frequency(values.get("frequency")),
            season_length=_count(values, "season_length"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


def _name(values: dict[str, Any], key: str) -> str | None:
    value = values.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DataError(
            f"{key} must be a column name, got {value!r}; set it to one of the table's columns "
            "in kind_options (or the SPEC's '## ML' block)"
        )
    return value.strip()


def _count(values: dict[str, Any], key: str) -> int | None:
    value = values.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise DataError(
            f"{key} must be a whole number of steps (e.g. {key}: 7), got {value!r}; fix it in "
            "kind_options (or the SPEC's '## ML' block)"
        )
    if not 1 <= int(value) <= 10_000:
        raise DataError(
            f"{key} must be between 1 and 10000 steps, got {value!r}; fix it in kind_options "
            "(or the SPEC's '## ML' block)"
        )
    return int(value)


def _frequency(value: Any) -> str | None:
    if value is None:
        return None
    from mcp_server.ml.data.series.grid import offset_of

    if not isinstance(value, str):
        raise DataError(
            f"frequency must be a pandas offset alias such as D, h, W, MS; got {value!r}: fix "
            "frequency in kind_options (or the SPEC's frequency)"
        )
    offset_of(value.strip())
    return value.strip()
