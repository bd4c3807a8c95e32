"""Forecasting families for the time-series kind of data (`ml/data/kinds/timeseries`): each is a
scikit-learn regressor whose `fit(X, y)` takes the rows (time column, series id, covariates) and
whose `predict(X)` forecasts the rows' (series, time) points from the history it saw. `grid` is
the time axis they share, `base` the history, the season and the conformal intervals."""

__all__ = ["arima", "base", "boosted", "ets", "local", "naive", "scoring", "theta"]
