"""The one-row latency a run records (and its SPEC's latency gate judges) is the model's own cost:
a wait that only some calls pay (a busy machine) is not counted, a wait every call pays is."""

from __future__ import annotations

import time

import pandas as pd

from mcp_server.ml.fitting.holdout_scoring import one_row_latency_ms


class _Model:
    """Predicts after `waits_ms[i]` ms on its i-th call (cycling)."""

    def __init__(self, waits_ms: list[float]) -> None:
        self.waits_ms, self.calls = waits_ms, 0

    def predict(self, rows: pd.DataFrame) -> list[int]:
        time.sleep(self.waits_ms[self.calls % len(self.waits_ms)] / 1000)
        self.calls += 1
        return [0] * len(rows)


def test_a_wait_only_some_calls_pay_is_not_the_model_s_latency():
    rows = pd.DataFrame({"x": [1.0, 2.0]})
    model = _Model([60.0, 60.0, 60.0, 60.0, 0.0, 60.0, 60.0])
    assert one_row_latency_ms(model, rows) < 30.0 and model.calls == 7


def test_a_wait_every_call_pays_is_counted():
    rows = pd.DataFrame({"x": [1.0, 2.0]})
    assert one_row_latency_ms(_Model([25.0]), rows) >= 25.0
