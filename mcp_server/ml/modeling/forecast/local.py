"""A local statistical family: one statsmodels model fitted per series, its forecast kept to
`max_steps` steps past each series' end (the statsmodels results are not kept in the model file),
and a series too short for the model refused in one line naming the fix. ARIMA and Theta build on
it (`arima`, `theta`): each gives `_fit_one(y, steps)` (the forecast, and what it chose) and its
`min_history()`."""

from __future__ import annotations

import warnings
from typing import Any

from mcp_server.core.errors import DataError
from mcp_server.ml.modeling.forecast.base import Forecaster


class LocalForecaster(Forecaster):
    """The per-series loop and the kept forecasts; subclasses give `_fit_one` and `label`."""

    label = "the local model"  # in messages; each subclass names itself
    max_steps: int | None = None

    def _fit_one(self, y: Any, steps: int) -> tuple[Any, Any]:
        """The forecast of `steps` steps past the end of `y`, and the model's choice (an order)."""
        raise NotImplementedError

    def _learn(self, Y: Any) -> None:
        import numpy as np
        from threadpoolctl import threadpool_limits

        self._refuse_short()
        steps = self.max_steps or max(4 * int(self.horizon or 1), 2 * self.season_, 30)
        forecasts, chosen = [], []
        # statsmodels' small matrices gain nothing from BLAS threads, and lose much to them when
        # every core is busy: one thread per fit
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for s in range(len(Y)):
                out, choice = self._fit_one(Y[s, self.first_[s] : self.last_[s] + 1], steps)
                forecasts.append(np.asarray(out, dtype=float))
                chosen.append(choice)
        self.forecasts_ = np.vstack(forecasts)
        self.chosen_ = chosen

    def _refuse_short(self) -> None:
        import numpy as np

        length = self.last_ - self.first_ + 1
        need = self.min_history()
        if length.min() < need:
            short = self.series_[int(np.argmin(length))]
            raise DataError(
                f"series {short!r} has {int(length.min())} steps; {self.label} needs at least "
                f"{need} per series (season {self.season_}); give longer history or lower the "
                "SPEC's season_length"
            )

    def _forecast(self, steps: int) -> Any:
        if steps > self.forecasts_.shape[1]:
            raise DataError(
                f"the {self.label} forecast keeps {self.forecasts_.shape[1]} steps past each "
                f"series' end, {steps} were asked; retrain with ml_train on recent rows"
            )
        return self.forecasts_[:, :steps]
