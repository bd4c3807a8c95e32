"""Seasonal naive: each step repeats the value one season earlier (the last season of each series,
over and over). The baseline every forecasting family is measured against (MASE's scale)."""

from __future__ import annotations

from typing import Any

from mcp_server.ml.modeling.forecast.base import Forecaster


class SeasonalNaiveForecaster(Forecaster):
    def _learn(self, Y: Any) -> None:
        import numpy as np

        columns = self.last_[:, None] - self.season_ + 1 + np.arange(self.season_)[None, :]
        columns = np.maximum(columns, self.first_[:, None])  # shorter than a season: repeat
        self.season_values_ = Y[np.arange(len(Y))[:, None], columns]

    def _forecast(self, steps: int) -> Any:
        import numpy as np

        return self.season_values_[:, np.arange(steps) % self.season_]
