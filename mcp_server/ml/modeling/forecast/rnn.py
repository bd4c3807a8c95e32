"""Recurrent forecasters: one LSTM or GRU across all series, trained in PyTorch or Keras (torch
backend) on windows of each series' standardised history, forecasting recursively.

A window is the last `window` steps of a series before the step it predicts; each step of it
gives the network the series' standardised value and the step's place in the season (its sine
and cosine, known ahead). Windows are cut from the series-by-step matrix at once
(`sliding_window_view`), never a loop per series; the last `horizon` steps of every series are
the time-ordered validation window early stopping watches (`rnn_fit`).

After training the network's weights are kept as numpy arrays in PyTorch's layout (Keras' are
reordered to it), and forecasting runs the cell in numpy: the fitted model, its joblib export and
the forecast service predict the same numbers without torch or Keras.
"""

from __future__ import annotations

from typing import Any, ClassVar

from mcp_server.ml.modeling.forecast.base import Forecaster

MIN_WINDOW, MAX_WINDOW = 8, 64  # the default window: two seasons, within these


class RecurrentForecaster(Forecaster):
    """The recurrent family's parameters and forecasting; subclasses name the cell and backend."""

    cell: ClassVar[str] = "LSTM"
    backend: ClassVar[str] = "torch"

    def __init__(
        self,
        time_column: str = "time",
        series_id: str | None = None,
        frequency: str | None = None,
        season_length: int | None = None,
        horizon: int | None = None,
        interval_level: float = 0.9,
        window: int | None = None,
        hidden_size: int = 32,
        learning_rate: float = 0.01,
        max_epochs: int = 60,
        patience: int = 6,
        batch_size: int = 64,
        random_state: int = 0,
        n_threads: int = 1,
    ) -> None:
        super().__init__(time_column, series_id, frequency, season_length, horizon, interval_level)
        self.window = window
        self.hidden_size = hidden_size
        self.learning_rate = learning_rate
        self.max_epochs = max_epochs
        self.patience = patience
        self.batch_size = batch_size
        self.random_state = random_state
        self.n_threads = n_threads

    def window_length(self) -> int:
        if self.window is not None:
            return int(self.window)
        return min(max(2 * int(self.season_), MIN_WINDOW), MAX_WINDOW)

    def min_history(self) -> int:
        """The first forecast step reads a whole window of the series."""
        return self.window_length()

    def _absorb(self, Y: Any) -> None:
        """New series' levels and spreads; the network stays as learned."""
        self._standardise(Y)

    def _calibration_twin(self, cut: Any, steps: int) -> RecurrentForecaster:
        """This very network, continuing the history without each series' last `steps`: its
        errors there calibrate the interval of the network that forecasts. Those steps are the
        network's early-stopping window, never a training target (`rnn_fit.windows`). A network
        trained again on `cut` would be another fit: how well a small recurrent network trains
        varies from fit to fit, so a twin's errors need not describe this one's."""
        import copy

        twin = copy.copy(self)
        twin.last_ = self.last_ - steps
        twin.history_ = cut
        twin._absorb(cut)
        return twin

    def _standardise(self, Y: Any) -> None:
        import warnings

        import numpy as np

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            seen = self._normalised(Y, None, standardised=False)
            center = np.nanmean(seen, axis=1)
            spread = np.nanstd(seen, axis=1)
        self.center_ = np.where(np.isfinite(center), center, 0.0)
        self.spread_ = np.where(spread > 0, spread, 1.0)

    def _normalised(self, Y: Any, width: int | None, standardised: bool = True) -> Any:
        """The history standardised per series; NaN outside each series' own steps."""
        import numpy as np

        width = width or Y.shape[1]
        Z = np.full((len(Y), width), np.nan)
        Z[:, : Y.shape[1]] = Y
        if standardised:
            Z = (Z - self.center_[:, None]) / self.spread_[:, None]
        steps = np.arange(width)[None, :]
        Z[(steps > self.last_[:, None]) | (steps < self.first_[:, None])] = np.nan
        return Z

    def step_inputs(self, values: Any, cols: Any) -> Any:
        """A window's network inputs (..., window, 3): each step's value (NaN read as the series'
        mean) and the sine and cosine of its place in the season."""
        import numpy as np

        angle = 2 * np.pi * ((cols + getattr(self, "phase_", 0)) % self.season_) / self.season_
        angle = np.broadcast_to(angle, values.shape)
        out = np.stack([np.nan_to_num(values), np.sin(angle), np.cos(angle)], axis=-1)
        return out.astype("float32")

    def _learn(self, Y: Any) -> None:
        from mcp_server.ml.modeling.forecast.rnn_fit import train_network

        self._standardise(Y)
        self.weights_, self.n_epochs_ = train_network(self, self._normalised(Y, None))

    def _forecast(self, steps: int) -> Any:
        import numpy as np

        width = int(self.last_.max()) + steps + 1
        Z = self._normalised(np.asarray(self.history_, dtype=float), width)
        rows, reach = np.arange(len(Z)), np.arange(self.window_length())
        for step in range(1, steps + 1):  # one step of every series at once
            cols = (self.last_ + step)[:, None] - self.window_length() + reach[None, :]
            inputs = self.step_inputs(Z[rows[:, None], np.maximum(cols, 0)], cols)
            inputs[cols < 0] = 0.0
            Z[rows, self.last_ + step] = run_network(self.cell, self.weights_, inputs)
        ahead = self.last_[:, None] + 1 + np.arange(steps)[None, :]
        return Z[rows[:, None], ahead] * self.spread_[:, None] + self.center_[:, None]


def run_network(cell: str, weights: dict[str, Any], inputs: Any) -> Any:
    """The network's one-step forecast for each window of `inputs` (windows, steps, features), in
    numpy with PyTorch's gate layout: LSTM gates (i, f, g, o), GRU gates (r, z, n)."""
    import numpy as np

    def sigmoid(v: Any) -> Any:
        return 0.5 * (1.0 + np.tanh(0.5 * v))

    w_ih, w_hh = weights["weight_ih"], weights["weight_hh"]
    b_ih, b_hh = weights["bias_ih"], weights["bias_hh"]
    size = w_hh.shape[1]
    h = np.zeros((len(inputs), size))
    c = np.zeros_like(h)
    for t in range(inputs.shape[1]):
        xi = inputs[:, t, :].astype(np.float64) @ w_ih.T + b_ih
        hh = h @ w_hh.T + b_hh
        if cell == "LSTM":
            gates = xi + hh
            i, f = sigmoid(gates[:, :size]), sigmoid(gates[:, size : 2 * size])
            g, o = np.tanh(gates[:, 2 * size : 3 * size]), sigmoid(gates[:, 3 * size :])
            c = f * c + i * g
            h = o * np.tanh(c)
        else:
            r = sigmoid(xi[:, :size] + hh[:, :size])
            z = sigmoid(xi[:, size : 2 * size] + hh[:, size : 2 * size])
            n = np.tanh(xi[:, 2 * size :] + r * hh[:, 2 * size :])
            h = (1.0 - z) * n + z * h
    return h @ weights["head_weight"].ravel() + weights["head_bias"].ravel()[0]


class LstmForecaster(RecurrentForecaster):
    """An LSTM trained in PyTorch."""

    cell = "LSTM"
    backend = "torch"


class GruForecaster(RecurrentForecaster):
    """A GRU trained in PyTorch."""

    cell = "GRU"
    backend = "torch"


class KerasLstmForecaster(RecurrentForecaster):
    """An LSTM trained in Keras 3 (torch backend)."""

    cell = "LSTM"
    backend = "keras"


class KerasGruForecaster(RecurrentForecaster):
    """A GRU trained in Keras 3 (torch backend)."""

    cell = "GRU"
    backend = "keras"
