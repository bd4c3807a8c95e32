"""The registry's forecasting entries, the families of the time-series kind.

Part of the estimator registry (`registry.py` joins them): like it, the only place these
families are named.
"""

from __future__ import annotations

from mcp_server.ml.modeling.estimator_spec import EstimatorSpec, choices, floats, ints

# Forecasting families of the time-series kind (`ml/modeling/forecast`): they take the rows (time
# column, series id) and forecast each row's (series, time) point from the history they saw.
_FORECAST = "mcp_server.ml.modeling.forecast."
# the baseline every forecasting family is measured against: a forecast comparison always has it
FORECAST_BASELINE = "seasonal_naive"
# families out of the defaults for their cost per series (an order search each), compared by
# default all the same on a table of at most FEW_SERIES series (one: the cost of any other family)
FEW_SERIES, FEW_SERIES_FAMILIES = 1, ("arima",)
FORECASTING = [
    EstimatorSpec(
        FORECAST_BASELINE,
        None,
        _FORECAST + "naive:SeasonalNaiveForecaster",
        onnx="none",
        packages=("moai-domain-ml",),
        cost=0,
        data_kinds=("timeseries",),
        takes_rows=True,
    ),
    EstimatorSpec(
        "ets",
        None,
        _FORECAST + "ets:EtsForecaster",
        onnx="none",
        extra="series",
        # a finite space (8 forms; `ml_tune` scores each once): trend, its damping, the season
        search_space={
            "trend": choices("add", None),
            "damped_trend": choices(True, False),
            "seasonal": choices("add", "mul"),
        },
        small_grid={"damped_trend": [True, False]},
        packages=("statsmodels", "moai-domain-ml"),
        cost=3,
        requires=("statsmodels",),
        data_kinds=("timeseries",),
        takes_rows=True,
    ),
    EstimatorSpec(
        "theta",
        None,
        _FORECAST + "theta:ThetaForecaster",
        onnx="none",
        extra="series",
        search_space={"theta": floats(1.0, 3.0), "method": choices("auto", "additive")},
        small_grid={"theta": [1.5, 2.0]},
        packages=("statsmodels", "moai-domain-ml"),
        cost=2,
        requires=("statsmodels",),
        data_kinds=("timeseries",),
        takes_rows=True,
    ),
    EstimatorSpec(
        "arima",
        None,
        _FORECAST + "arima:ArimaForecaster",
        onnx="none",
        extra="series",
        # the stepwise search seldom reaches p + q = 3 from its start: a cap of 2 or 5 is the
        # choice that matters (each order of 1..5 would be mostly the same fits again)
        search_space={"max_order": choices(2, 5), "seasonal": choices(True, False)},
        small_grid={"max_order": [2, 5]},
        packages=("statsmodels", "moai-domain-ml"),
        cost=5,
        # seconds per series and fit (its order search): compared by default on few series
        # (FEW_SERIES), else when named
        in_defaults=False,
        requires=("statsmodels",),
        data_kinds=("timeseries",),
        takes_rows=True,
    ),
    EstimatorSpec(
        "combo",
        None,
        _FORECAST + "combination:CombinationForecaster",
        onnx="none",
        extra="series",
        # how many of its members (ARIMA, ETS, Theta, the boosted model), ranked on the folds of
        # its own training history, are averaged, and whether by 1 / their fold score
        search_space={"top": ints(1, 3), "weighted": choices(True, False)},
        small_grid={"top": [2, 3]},
        packages=("statsmodels", "lightgbm", "moai-domain-ml"),
        cost=6,
        # every member fitted on each of its selection folds (ARIMA's order search among them):
        # a minute and more per fit on 500 monthly points, so compared and tuned when named
        in_defaults=False,
        requires=("statsmodels", "lightgbm"),
        data_kinds=("timeseries",),
        takes_rows=True,
    ),
    EstimatorSpec(
        "lgbm_forecast",
        None,
        _FORECAST + "boosted:BoostedForecaster",
        search_space={
            "learning_rate": floats(0.01, 0.3, log=True),
            "num_leaves": ints(7, 127, log=True),
            "min_child_samples": ints(5, 100, log=True),
            # the trees learn each step's change (a trend followed) or its level: the folds choose
            "difference": choices(False, True),
        },
        small_grid={"num_leaves": [15, 31]},
        onnx="none",
        extra="boost",
        packages=("lightgbm", "moai-domain-ml"),
        cost=4,
        requires=("lightgbm",),
        data_kinds=("timeseries",),
        takes_rows=True,
    ),
]


def _recurrent(name: str, cls: str, backend: str, cost: int) -> EstimatorSpec:
    """A recurrent forecaster (`forecast/rnn`): seconds of training per fit, so compared and tuned
    only when named; it trains with the `dl` extra, and forecasts in numpy."""
    return EstimatorSpec(
        name,
        None,
        _FORECAST + "rnn:" + cls,
        search_space={
            "hidden_size": ints(8, 64, log=True),
            "learning_rate": floats(0.001, 0.03, log=True),
        },
        small_grid={"hidden_size": [16, 32]},
        onnx="none",
        extra="dl",
        packages=(backend, "moai-domain-ml"),
        cost=cost,
        in_defaults=False,
        requires=(backend,),
        data_kinds=("timeseries",),
        takes_rows=True,
    )


FORECASTING += [
    _recurrent("lstm", "LstmForecaster", "torch", 8),
    _recurrent("gru", "GruForecaster", "torch", 7),
    _recurrent("keras_lstm", "KerasLstmForecaster", "keras", 9),
    _recurrent("keras_gru", "KerasGruForecaster", "keras", 8),
]

__all__ = ["FEW_SERIES", "FEW_SERIES_FAMILIES", "FORECASTING", "FORECAST_BASELINE"]
