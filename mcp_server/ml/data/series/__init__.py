"""Series in a table (the time-series kind of data, `kinds/timeseries`): their options
(`options`), their time axis (`grid`), their profile facts (`facts`) and their time-ordered
splits (`split`)."""

__all__ = ["facts", "grid", "options", "split"]
