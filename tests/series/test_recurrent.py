"""The recurrent forecasters (LSTM, GRU; PyTorch and Keras): the numpy cell they forecast with
computes what the trained torch or Keras layer computes, a small network learns a noisy seasonal
signal better than the seasonal naive baseline and repeats itself with its seed, early stopping
watches windows later than every training target, and too short series are refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mcp_server.core.errors import DataError
from mcp_server.ml.modeling.estimators import make_estimator
from mcp_server.ml.modeling.forecast.rnn import run_network
from mcp_server.ml.modeling.forecast.rnn_fit import _from_keras, windows

SEASON, HORIZON = 12, 12
ROLES = {"time_column": "t", "series_id": "id", "season_length": SEASON, "horizon": HORIZON}
SMALL = {"hidden_size": 8, "max_epochs": 25, "patience": 4, "batch_size": 32}


def _sines(series: int = 4, steps: int = 150, noise: float = 0.5, seed: int = 0) -> pd.DataFrame:
    """Sines of period SEASON, each its own level and phase, with Gaussian noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    frames = [
        pd.DataFrame(
            {
                "t": pd.date_range("2021-01-01", periods=steps, freq="D"),
                "id": f"s{s}",
                "y": 10 * s + 5 * np.sin(2 * np.pi * t / SEASON + s) + rng.normal(0, noise, steps),
            }
        )
        for s in range(series)
    ]
    return pd.concat(frames, ignore_index=True)


def _fit(name: str, rows: pd.DataFrame, **params: object) -> object:
    model = make_estimator(name, "regression", ROLES, 0).set_params(**{**SMALL, **params})
    return model.fit(rows[["t", "id"]], rows["y"])


def _torch_layer(cell: str) -> tuple[object, dict[str, np.ndarray]]:
    import torch

    torch.manual_seed(0)
    layer = (torch.nn.LSTM if cell == "LSTM" else torch.nn.GRU)(3, 5, batch_first=True)
    head = torch.nn.Linear(5, 1)
    state = {k: v.detach().numpy().astype(np.float64) for k, v in layer.state_dict().items()}
    weights = {k.removesuffix("_l0"): v for k, v in state.items()}
    weights |= {
        "head_weight": head.weight.detach().numpy(),
        "head_bias": head.bias.detach().numpy(),
    }

    def forward(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            out, _ = layer(torch.from_numpy(x))
            return head(out[:, -1, :]).squeeze(-1).numpy()

    return forward, weights


def _keras_layer(cell: str) -> tuple[object, dict[str, np.ndarray]]:
    import importlib

    from mcp_server.ml.modeling.keras_mlp import keras_bytes  # noqa: F401 (keras on torch)

    keras = importlib.import_module("keras")  # after keras_mlp, which names its backend

    keras.utils.set_random_seed(0)
    layer = keras.layers.LSTM(5) if cell == "LSTM" else keras.layers.GRU(5)
    net = keras.Sequential([keras.Input((6, 3)), layer, keras.layers.Dense(1)])
    # non-zero biases, so a misplaced gate bias shows
    layer.weights[2].assign(np.random.default_rng(1).normal(size=layer.weights[2].shape))
    parts = [keras.ops.convert_to_numpy(w) for w in [*layer.weights, *net.layers[-1].weights]]

    def forward(x: np.ndarray) -> np.ndarray:
        return keras.ops.convert_to_numpy(net(x, training=False)).ravel()

    return forward, _from_keras(cell, *parts)


@pytest.mark.parametrize(
    "backend",
    ["torch", pytest.param("keras", marks=pytest.mark.slow)],  # keras' import: ~15 s
)
@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_the_numpy_cell_computes_what_the_torch_or_keras_layer_computes(cell: str, backend: str):
    forward, weights = (_torch_layer if backend == "torch" else _keras_layer)(cell)
    x = np.random.default_rng(2).normal(size=(7, 6, 3)).astype("float32")
    np.testing.assert_allclose(run_network(cell, weights, x), forward(x), rtol=1e-4, atol=1e-5)


def test_a_small_lstm_learns_a_noisy_seasonal_sine_better_than_seasonal_naive_and_repeats():
    rows = _sines()
    test = rows.groupby("id").tail(HORIZON)
    train = rows.drop(test.index)
    errors = {}
    naive = make_estimator("seasonal_naive", "regression", ROLES, 0)
    naive.fit(train[["t", "id"]], train["y"])
    for name, model in (("seasonal_naive", naive), ("lstm", _fit("lstm", train))):
        errors[name] = float(np.mean(np.abs(model.predict(test[["t", "id"]]) - test["y"])))
    # the naive repeats last season's noise too (error ~ 0.56 for noise 0.5); the network less
    assert errors["lstm"] < 0.9 * errors["seasonal_naive"]
    again = _fit("lstm", train).predict(test[["t", "id"]])
    np.testing.assert_array_equal(again, _fit("lstm", train).predict(test[["t", "id"]]))


def test_no_training_window_predicts_a_step_as_late_as_its_series_validation_window():
    model = make_estimator("gru", "regression", ROLES, 0)
    model.season_, model.horizon = SEASON, HORIZON
    Z = np.arange(3 * 80, dtype=float).reshape(3, 80)  # each cell its own (series, step) code
    Z[1, :20] = np.nan  # the second series starts later
    model.first_, model.last_ = np.array([0, 20, 0]), np.array([79, 79, 70])
    Z[2, 71:] = np.nan  # the third ends earlier
    model.phase_ = 0
    x_fit, y_fit, _, y_val = windows(model, Z)
    series_of = lambda y: (y // 80).astype(int)  # noqa: E731
    step_of = lambda y: (y % 80).astype(int)  # noqa: E731
    for s in range(3):
        fitted, checked = (
            step_of(y_fit[series_of(y_fit) == s]),
            step_of(y_val[series_of(y_val) == s]),
        )
        assert fitted.max() < checked.min() and len(checked) == HORIZON
        assert checked.max() == model.last_[s] and fitted.min() >= model.first_[s] + 24
    assert np.isfinite(x_fit).all() and x_fit.shape[1:] == (24, 3)


def test_series_too_short_for_a_window_and_its_validation_are_refused_naming_the_spec():
    rows = _sines(series=2, steps=40)  # a 24-step window, 12 to validate: 48 needed
    with pytest.raises(DataError, match="season_length: or horizon: in the SPEC"):
        _fit("lstm", rows)
