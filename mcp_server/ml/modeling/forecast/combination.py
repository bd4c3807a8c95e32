"""A combination forecast (the M4 lesson: a mean of good forecasters beats most of them alone):
the mean, or the score-weighted mean, of the `top` member families that forecast best on
rolling-origin folds of the training history itself.

The members are the statistical and boosted families (`MEMBERS`: ARIMA, ETS, Theta, the global
boosted model). `fit` cuts each series' last `selection_folds` windows of `horizon` steps one at a
time, fits every member on what precedes the window and scores its forecast of it (MASE: the
absolute error over each series' seasonal scale); a member that cannot fit the history (too short
for it) is left out. The `top` best by mean score are refitted on the whole history and their
forecasts averaged, equally or weighted by 1 / score (`weighted`). The ranking, the scores and the
weights are kept (`chosen_`). Only the training history is ever read: the holdout a run keeps
back is not in it.

Each member's fitted state is kept as plain values (`members_`: its class name and attributes),
rebuilt on the member's class when it forecasts, so the forecast service, which rebuilds this
model from plain values, rebuilds its members the same way.
"""

from __future__ import annotations

import math
from typing import Any

from mcp_server.core.errors import DataError
from mcp_server.ml.modeling.forecast.arima import ArimaForecaster
from mcp_server.ml.modeling.forecast.base import Forecaster
from mcp_server.ml.modeling.forecast.boosted import BoostedForecaster
from mcp_server.ml.modeling.forecast.ets import EtsForecaster
from mcp_server.ml.modeling.forecast.theta import ThetaForecaster

MEMBERS = (ArimaForecaster, EtsForecaster, ThetaForecaster, BoostedForecaster)
_BY_NAME = {cls.__name__: cls for cls in MEMBERS}
# what a member shares with the combination: the time grid, each series' place on it, the history
_LAYOUT = ("frequency_", "season_", "grid_", "series_", "first_", "scale_", "phase_")
_SHARED = (*_LAYOUT, "last_", "history_")


class CombinationForecaster(Forecaster):
    def __init__(
        self,
        time_column: str = "time",
        series_id: str | None = None,
        frequency: str | None = None,
        season_length: int | None = None,
        horizon: int | None = None,
        interval_level: float = 0.9,
        top: int = 2,
        weighted: bool = False,
        selection_folds: int = 2,
        random_state: int | None = 0,
    ) -> None:
        super().__init__(time_column, series_id, frequency, season_length, horizon, interval_level)
        self.top = top
        self.weighted = weighted
        self.selection_folds = selection_folds
        self.random_state = random_state

    # -- members -------------------------------------------------------------------------------
    def _member(self, cls: Any, history: Any, last: Any) -> Forecaster:
        """A member of class `cls` on this model's grid, its history `history` ending at `last`."""
        params = {k: v for k, v in self.get_params().items() if k in cls().get_params()}
        member: Forecaster = cls(**params)
        for name in _LAYOUT:
            if hasattr(self, name):
                setattr(member, name, getattr(self, name))
        member.last_ = last
        member.history_ = history
        return member

    def _rebuilt(self) -> list[Forecaster]:
        """The fitted members, rebuilt from their plain state on this model's grid."""
        members = []
        for kept in self.members_:
            cls = _BY_NAME[kept["class"]]
            member = cls.__new__(cls)
            member.__dict__.update(kept["state"])
            for name in _SHARED:
                if hasattr(self, name):
                    setattr(member, name, getattr(self, name))
            members.append(member)
        return members

    def _keep(self, members: list[Forecaster]) -> None:
        self.members_: list[dict[str, Any]] = [
            {
                "class": type(m).__name__,
                "state": {k: v for k, v in vars(m).items() if k not in _SHARED},
            }
            for m in members
        ]

    # -- fitting -------------------------------------------------------------------------------
    def _learn(self, Y: Any) -> None:
        scores = self._scores(Y)
        ranked = sorted((s, name) for name, s in scores.items() if math.isfinite(s))
        if not ranked:
            raise DataError(
                "no member of the combined forecast fits these series (too short for its selection "
                f"folds: {self.selection_folds} windows of {self._steps()} steps); give longer "
                "history per series, or lower selection_folds in params="
            )
        best = ranked[: max(int(self.top), 1)]
        raw = [1 / max(s, 1e-12) if self.weighted else 1.0 for s, _ in best]
        self.weights_ = [w / sum(raw) for w in raw]
        self.chosen_ = {
            "members": [name for _, name in best],
            "weights": self.weights_,
            "scores": scores,
        }
        self._keep([self._fitted(_BY_NAME[name], Y, self.last_) for _, name in best])

    def _fitted(self, cls: Any, Y: Any, last: Any) -> Forecaster:
        member = self._member(cls, Y, last)
        member._learn(Y)
        return member

    def _steps(self) -> int:
        return int(self.horizon or self.season_)

    def _scores(self, Y: Any) -> dict[str, float]:
        """Each member's mean scaled absolute error over the selection folds (inf: it failed)."""
        import numpy as np

        steps, rows = self._steps(), np.arange(len(Y))[:, None]
        errors: dict[str, list[float]] = {cls.__name__: [] for cls in MEMBERS}
        for k in range(int(self.selection_folds), 0, -1):
            last = self.last_ - k * steps
            cut = Y[:, : int(last.max()) + 1].copy()  # the grid as far as the latest origin
            cut[np.arange(cut.shape[1])[None, :] > last[:, None]] = np.nan
            actual = Y[rows, last[:, None] + 1 + np.arange(steps)[None, :]]
            for cls in MEMBERS:
                try:
                    forecast = self._fitted(cls, cut, last)._forecast(steps)
                except Exception:  # a member that cannot fit this history is left out
                    errors[cls.__name__].append(math.inf)
                    continue
                scaled = np.abs(actual - forecast) / self.scale_[:, None]
                errors[cls.__name__].append(float(np.nanmean(scaled)))
        return {name: float(np.mean(e)) if e else math.inf for name, e in errors.items()}

    def _absorb(self, Y: Any) -> None:
        """Each member takes its series' state from the new history (as it would alone)."""
        members = self._rebuilt()
        for member in members:
            member._absorb(Y)
        self._keep(members)

    def _calibration_twin(self, cut: Any, steps: int) -> Forecaster:
        """The chosen members, with their weights, fitted again without the last `steps`."""
        from sklearn.base import clone

        twin: CombinationForecaster = clone(self)
        for name in (*_LAYOUT, "weights_", "chosen_"):
            if hasattr(self, name):
                setattr(twin, name, getattr(self, name))
        twin.last_ = self.last_ - steps
        twin.history_ = cut
        twin._keep([self._fitted(type(m), cut, twin.last_) for m in self._rebuilt()])
        return twin

    def min_history(self) -> int:
        """What its most demanding chosen member needs of each series."""
        return max(m.min_history() for m in self._rebuilt())

    # -- forecasting ---------------------------------------------------------------------------
    def _forecast(self, steps: int) -> Any:
        members = self._rebuilt()
        out = self.weights_[0] * members[0]._forecast(steps)
        for weight, member in zip(self.weights_[1:], members[1:], strict=True):
            out = out + weight * member._forecast(steps)
        return out
