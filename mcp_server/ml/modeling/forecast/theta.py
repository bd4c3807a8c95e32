"""The Theta method per series, with statsmodels' `ThetaModel`: the series deseasonalised (when
its season is longer than one step and statsmodels' test finds it seasonal), a simple exponential
smoothing with drift, and the forecast `theta` weights. Each series' forecast is statsmodels' own
(`ThetaModel(y, period=season).fit().forecast(steps, theta)`), kept to `max_steps` steps."""

from __future__ import annotations

from typing import Any

from mcp_server.ml.modeling.forecast.local import LocalForecaster


class ThetaForecaster(LocalForecaster):
    label = "Theta"  # in messages

    def __init__(
        self,
        time_column: str = "time",
        series_id: str | None = None,
        frequency: str | None = None,
        season_length: int | None = None,
        horizon: int | None = None,
        interval_level: float = 0.9,
        theta: float = 2.0,
        method: str = "auto",
        deseasonalize: bool = True,
        max_steps: int | None = None,
    ) -> None:
        super().__init__(time_column, series_id, frequency, season_length, horizon, interval_level)
        self.theta = theta
        self.method = method
        self.deseasonalize = deseasonalize
        self.max_steps = max_steps

    def min_history(self) -> int:
        """Two whole seasons (statsmodels' deseasonalising needs them), at least four steps."""
        return max(2 * int(self.season_), 4) if self._seasonal() else 4

    def _seasonal(self) -> bool:
        return bool(self.deseasonalize) and int(self.season_) > 1

    def _fit_one(self, y: Any, steps: int) -> tuple[Any, Any]:
        from statsmodels.tsa.forecasting.theta import ThetaModel

        seasonal = self._seasonal()
        model = ThetaModel(
            y,
            period=int(self.season_) if seasonal else 1,
            deseasonalize=seasonal,
            method=self.method,
        )
        result = model.fit()
        return result.forecast(steps, theta=self.theta), {"alpha": float(result.params["alpha"])}
