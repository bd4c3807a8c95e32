"""Exponential smoothing (ETS: additive damped trend, additive season) per series, with
statsmodels' `ExponentialSmoothing`. Each series' forecast is kept to `max_steps` steps past its
end (by default four horizons or two seasons, at least 30): the fitted statsmodels objects are not
kept in the model file. A series ETS cannot fit (constant, too short) gets its seasonal naive
forecast."""

from __future__ import annotations

import warnings
from typing import Any

from mcp_server.core.errors import DataError
from mcp_server.ml.modeling.forecast.base import Forecaster


class EtsForecaster(Forecaster):
    def __init__(
        self,
        time_column: str = "time",
        series_id: str | None = None,
        frequency: str | None = None,
        season_length: int | None = None,
        horizon: int | None = None,
        interval_level: float = 0.9,
        trend: str | None = "add",
        damped_trend: bool = True,
        seasonal: str | None = "add",
        max_steps: int | None = None,
    ) -> None:
        super().__init__(time_column, series_id, frequency, season_length, horizon, interval_level)
        self.trend = trend
        self.damped_trend = damped_trend
        self.seasonal = seasonal
        self.max_steps = max_steps

    def _learn(self, Y: Any) -> None:
        import numpy as np

        steps = self.max_steps or max(4 * int(self.horizon or 1), 2 * self.season_, 30)
        self.forecasts_ = np.vstack(
            [self._one(Y[s, self.first_[s] : self.last_[s] + 1], steps) for s in range(len(Y))]
        )

    def _one(self, y: Any, steps: int) -> Any:
        import numpy as np
        from statsmodels.tsa.holtwinters import ExponentialSmoothing

        m = self.season_
        seasonal = self.seasonal if m > 1 and len(y) >= 2 * m + 2 else None
        trend = self.trend if len(y) >= 6 else None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = ExponentialSmoothing(
                    y,
                    trend=trend,
                    damped_trend=self.damped_trend and trend is not None,
                    seasonal=seasonal,
                    seasonal_periods=m if seasonal else None,
                    initialization_method="estimated",
                )
                out = np.asarray(
                    model.fit(method="L-BFGS-B", use_brute=False).forecast(steps), dtype=float
                )
            if np.isfinite(out).all():
                return out
        except (ValueError, np.linalg.LinAlgError):
            pass
        last = y[-m:] if len(y) >= m else y
        return np.resize(last, steps).astype(float)

    def _forecast(self, steps: int) -> Any:
        if steps > self.forecasts_.shape[1]:
            raise DataError(
                f"the ETS forecast keeps {self.forecasts_.shape[1]} steps past each series' end, "
                f"{steps} were asked; retrain (ml_train) on recent rows or with a larger "
                "max_steps in params="
            )
        return self.forecasts_[:, :steps]
