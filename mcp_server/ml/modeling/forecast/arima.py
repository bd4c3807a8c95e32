"""(Seasonal) ARIMA per series, with statsmodels' `ARIMA`, its order chosen per series by
Hyndman and Khandakar's stepwise search (as R's auto.arima and statsforecast's AutoARIMA), or fixed
by the `order` and `seasonal_order` params.

The search: the differencing `d` from the KPSS test (0, 1 or 2: differenced while the test rejects
level stationarity at 5 %); the seasonal differencing `D` is 1 when the season's strength (the
share of the detrended variance the season explains) is at least 0.64, as in auto.arima; a
seasonal MA(1) term (after seasonal differencing) or AR(1) (without it). Then the orders (p, q):
the four of `START` first, then, from the best so far, its neighbours (p or q one up or down, or
both one up or both one down) while one of them lowers the AICc, p + q at most `max_order`, at
most `MAX_FITS` fits. Each series' forecast is statsmodels' own
`ARIMA(y, order, seasonal_order, trend).fit().forecast(steps)` for the chosen order (kept in
`chosen_`), kept to `max_steps` steps."""

from __future__ import annotations

import math
from typing import Any

from mcp_server.ml.modeling.forecast.local import LocalForecaster

START = ((1, 1), (0, 0), (1, 0), (0, 1))  # (p, q) fitted first, in this order
MAX_ORDER = 5  # `max_order` caps p + q (the search space's knob; auto.arima's max.order)
MAX_FITS = 30  # orders fitted per series at most
STEPS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1))  # auto.arima's moves of (p, q)
SEASON_STRENGTH = 0.64


class ArimaForecaster(LocalForecaster):
    label = "ARIMA"  # in messages

    def __init__(
        self,
        time_column: str = "time",
        series_id: str | None = None,
        frequency: str | None = None,
        season_length: int | None = None,
        horizon: int | None = None,
        interval_level: float = 0.9,
        order: tuple[int, int, int] | None = None,
        seasonal_order: tuple[int, int, int] | None = None,
        max_order: int = MAX_ORDER,
        seasonal: bool = True,
        max_steps: int | None = None,
    ) -> None:
        super().__init__(time_column, series_id, frequency, season_length, horizon, interval_level)
        self.order = order
        self.seasonal_order = seasonal_order
        self.max_order = max_order
        self.seasonal = seasonal
        self.max_steps = max_steps

    def min_history(self) -> int:
        """Three whole seasons with a seasonal part (differenced once, two are left to fit), at
        least ten steps."""
        return max(3 * int(self.season_), 10) if self._seasonal() else 10

    def _seasonal(self) -> bool:
        return bool(self.seasonal) and int(self.season_) > 1

    def _fit_one(self, y: Any, steps: int) -> tuple[Any, Any]:
        if self.order is not None:
            seasonal = tuple(self.seasonal_order or (0, 0, 0, 0))
            return _fit(y, tuple(self.order), seasonal).forecast(steps), {
                "order": tuple(self.order),
                "seasonal_order": seasonal,
                "trend": trend_for(tuple(self.order), seasonal),
            }
        d, seasonal = self.differencing(y)

        def fitted(p: int, q: int) -> Any:
            try:
                result = _fit(y, (p, d, q), seasonal)
            except (ValueError, ArithmeticError):
                return None
            return result if math.isfinite(result.aicc) else None

        best, (p, q) = stepwise(fitted, int(self.max_order))
        if best is None:  # no order fitted: a random walk (the naive forecast)
            return _fit(y, (0, 1, 0), (0, 0, 0, 0)).forecast(steps), {"order": (0, 1, 0)}
        order = (p, d, q)
        chosen = {"order": order, "seasonal_order": seasonal, "trend": trend_for(order, seasonal)}
        return best.forecast(steps), chosen

    def differencing(self, y: Any) -> tuple[int, tuple[int, int, int, int]]:
        """`d`, and the seasonal order (with its `D`) the search keeps for `y`."""
        m = int(self.season_)
        big_d = int(self._seasonal() and season_strength(y, m) >= SEASON_STRENGTH)
        d = differences(y[m:] - y[:-m] if big_d else y)
        if not self._seasonal():
            return d, (0, 0, 0, 0)
        return d, ((0, 1, 1, m) if big_d else (1, 0, 0, m))


def stepwise(fitted: Any, max_order: int) -> tuple[Any, tuple[int, int]]:
    """The lowest-AICc fit among the orders (p, q) the stepwise search reaches, and its order:
    `fitted(p, q)` is a statsmodels result or None when that order does not fit."""
    tried: dict[tuple[int, int], Any] = {}

    def aicc(pq: tuple[int, int]) -> float:
        if pq not in tried:
            tried[pq] = fitted(*pq)
        return tried[pq].aicc if tried[pq] is not None else math.inf

    allowed = [pq for pq in START if sum(pq) <= max_order] or [(0, 0)]
    best = min(allowed, key=aicc)
    while len(tried) < MAX_FITS:
        near = [(best[0] + dp, best[1] + dq) for dp, dq in STEPS]
        near = [pq for pq in near if min(pq) >= 0 and sum(pq) <= max_order and pq not in tried]
        better = min(near, key=aicc, default=None)
        if better is None or aicc(better) >= aicc(best):
            break
        best = better
    return tried.get(best), best


def trend_for(order: tuple[int, ...], seasonal: tuple[int, ...]) -> str | None:
    """A constant for an undifferenced series (its mean), none once it is differenced."""
    return "c" if order[1] == 0 and (len(seasonal) < 2 or seasonal[1] == 0) else None


def _fit(y: Any, order: tuple[int, ...], seasonal: tuple[int, ...]) -> Any:
    from statsmodels.tsa.arima.model import ARIMA

    return ARIMA(y, order=order, seasonal_order=seasonal, trend=trend_for(order, seasonal)).fit()


def differences(y: Any, most: int = 2) -> int:
    """How many first differences make `y` level-stationary by the KPSS test at 5 %."""
    import numpy as np
    from statsmodels.tsa.stattools import kpss

    for d in range(most):
        if len(y) < 8 or np.ptp(y) == 0:
            return d
        if kpss(y, regression="c", nlags="auto")[1] >= 0.05:
            return d
        y = np.diff(y)
    return most


def season_strength(y: Any, m: int) -> float:
    """1 - var(remainder) / var(season + remainder) of `y` detrended by a moving average of one
    season (0 when it has less than two seasons)."""
    import numpy as np

    if len(y) < 2 * m:
        return 0.0
    trend = np.convolve(y, np.ones(m) / m, mode="same")
    edge = m // 2
    detrended = (y - trend)[edge : len(y) - edge]
    phases = (np.arange(len(y)) % m)[edge : len(y) - edge]
    means = np.array([detrended[phases == p].mean() for p in range(m)])
    rest = detrended - means[phases]
    total = np.var(detrended)
    return float(max(0.0, 1 - np.var(rest) / total)) if total > 0 else 0.0
