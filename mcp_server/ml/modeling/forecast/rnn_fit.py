"""Training the recurrent forecasters' network (`rnn`): the windows cut from the standardised
series-by-step matrix at once, a time-ordered validation window, and the PyTorch or Keras loop
with early stopping; both return the weights as numpy arrays in PyTorch's layout.

Validation: the windows whose predicted step is among each series' last `horizon` steps (the
season when no horizon is set); training: every window predicting an earlier step. So no training
target is later than a validation target of its series. Seeded: the same rows, seed and thread
count give the same weights on the CPU.
"""

from __future__ import annotations

import warnings
from typing import Any

Windows = tuple[Any, Any, Any, Any]  # inputs and targets for training, then for validation


def windows(model: Any, Z: Any) -> Windows:
    """Every window of every series whose steps and target lie within the series' history."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    length = model.window_length()
    if (model.last_ - model.first_).max() + 1 < length + 2 * int(model.horizon or model.season_):
        raise_short(model)
    cut = sliding_window_view(Z, length + 1, axis=1)  # (series, starts, window + 1): a view
    series, starts = np.nonzero(~np.isnan(cut).any(axis=2))
    target_cols = starts + length
    validation = target_cols > model.last_[series] - int(model.horizon or model.season_)
    train = ~validation
    if not train.any() or not validation.any():
        raise_short(model)
    out = []
    for keep in (train, validation):
        s, c = series[keep], starts[keep]
        cols = c[:, None] + np.arange(length)[None, :]
        out += [model.step_inputs(Z[s[:, None], cols], cols), Z[s, c + length].astype("float32")]
    return out[0], out[1], out[2], out[3]


def raise_short(model: Any) -> None:
    from mcp_server.core.errors import DataError

    need = model.window_length() + 2 * int(model.horizon or model.season_)
    raise DataError(
        f"the series are too short for a recurrent forecaster: it needs {need} steps per series "
        f"(a {model.window_length()}-step window, training and validation targets); give more "
        "history, or a shorter season_length: or horizon: in the SPEC"
    )


def train_network(model: Any, Z: Any) -> tuple[dict[str, Any], int]:
    """The trained network's weights (PyTorch's layout) and the epochs it ran."""
    data = windows(model, Z)
    if model.backend == "keras":
        return _train_keras(model, data)
    return _train_torch(model, data)


def _torch_network(cell: str, size: int) -> Any:
    from torch import nn

    class Recurrent(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            layer = nn.LSTM if cell == "LSTM" else nn.GRU
            self.rnn = layer(3, size, batch_first=True)
            self.head = nn.Linear(size, 1)

        def forward(self, x: Any) -> Any:
            out, _ = self.rnn(x)
            return self.head(out[:, -1, :]).squeeze(-1)

    return Recurrent()


def _train_torch(model: Any, data: Windows) -> tuple[dict[str, Any], int]:
    import copy

    import torch

    from mcp_server.ml.modeling.neural import deterministic

    x_fit, y_fit, x_val, y_val = (torch.from_numpy(a) for a in data)
    with deterministic(model.random_state, model.n_threads):
        net = _torch_network(model.cell, int(model.hidden_size))
        optimiser = torch.optim.Adam(net.parameters(), lr=float(model.learning_rate))
        order = torch.Generator().manual_seed(int(model.random_state))
        best, best_state, waited, epochs = float("inf"), copy.deepcopy(net.state_dict()), 0, 0
        for epochs in range(1, int(model.max_epochs) + 1):  # noqa: B007 (the epochs run)
            net.train()
            shuffled = torch.randperm(len(x_fit), generator=order)
            for batch in torch.split(shuffled, int(model.batch_size)):
                optimiser.zero_grad()
                loss = torch.mean((net(x_fit[batch]) - y_fit[batch]) ** 2)
                torch.autograd.backward(loss)
                optimiser.step()
            net.eval()
            with torch.no_grad():
                score = float(torch.mean((net(x_val) - y_val) ** 2))
            if score < best:
                best, best_state, waited = score, copy.deepcopy(net.state_dict()), 0
            else:
                waited += 1
                if waited >= int(model.patience):
                    break
    state = {k: v.detach().numpy().astype("float64") for k, v in best_state.items()}
    weights = {
        "weight_ih": state["rnn.weight_ih_l0"],
        "weight_hh": state["rnn.weight_hh_l0"],
        "bias_ih": state["rnn.bias_ih_l0"],
        "bias_hh": state["rnn.bias_hh_l0"],
        "head_weight": state["head.weight"],
        "head_bias": state["head.bias"],
    }
    return weights, epochs


def _train_keras(model: Any, data: Windows) -> tuple[dict[str, Any], int]:
    import importlib

    # keras_mlp sets keras' backend (torch) before keras is first imported
    from mcp_server.ml.modeling.keras_mlp import keras_bytes  # noqa: F401
    from mcp_server.ml.modeling.neural import deterministic

    keras = importlib.import_module("keras")

    x_fit, y_fit, x_val, y_val = data
    size = int(model.hidden_size)
    with deterministic(model.random_state, model.n_threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # keras' numpy 2 notices, per batch
        keras.utils.set_random_seed(int(model.random_state))
        layer = keras.layers.LSTM(size) if model.cell == "LSTM" else keras.layers.GRU(size)
        net = keras.Sequential([keras.Input(x_fit.shape[1:]), layer, keras.layers.Dense(1)])
        net.compile(optimizer=keras.optimizers.Adam(float(model.learning_rate)), loss="mse")
        stop = keras.callbacks.EarlyStopping(
            patience=int(model.patience), restore_best_weights=True
        )
        history = net.fit(
            x_fit,
            y_fit,
            validation_data=(x_val, y_val),
            epochs=int(model.max_epochs),
            batch_size=int(model.batch_size),
            callbacks=[stop],
            shuffle=True,
            verbose=0,
        )
    kernel, recurrent, bias = (keras.ops.convert_to_numpy(w) for w in layer.weights)
    head, head_bias = (keras.ops.convert_to_numpy(w) for w in net.layers[-1].weights)
    return _from_keras(model.cell, kernel, recurrent, bias, head, head_bias), len(
        history.history["loss"]
    )


def _from_keras(
    cell: str, kernel: Any, recurrent: Any, bias: Any, head: Any, head_bias: Any
) -> dict[str, Any]:
    """Keras' cell weights in PyTorch's layout. Keras' LSTM gates are (i, f, c, o) like
    PyTorch's; its GRU (reset after, the default) has gates (z, r, h) and an input and a recurrent
    bias row, PyTorch's (r, z, n)."""
    import numpy as np

    def order(a: Any) -> Any:
        if cell == "LSTM":
            return a
        z, r, h = np.split(a, 3, axis=-1)
        return np.concatenate([r, z, h], axis=-1)

    bias = np.asarray(bias, dtype=np.float64)
    b_ih, b_hh = (bias, np.zeros_like(bias)) if bias.ndim == 1 else (bias[0], bias[1])
    return {
        "weight_ih": order(np.asarray(kernel, dtype=np.float64)).T,
        "weight_hh": order(np.asarray(recurrent, dtype=np.float64)).T,
        "bias_ih": order(b_ih),
        "bias_hh": order(b_hh),
        "head_weight": np.asarray(head, dtype=np.float64).T,
        "head_bias": np.asarray(head_bias, dtype=np.float64),
    }
