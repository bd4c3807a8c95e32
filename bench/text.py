"""The Transformer from scratch against the TF-IDF baseline on support tickets (issue 24's figure).

Target: `text_transformer`'s holdout macro-F1 within 0.02 of the TF-IDF baseline's
(`logistic_regression` over the table's text column, the product's fast path) or better, on a
generated table of support tickets (`tests/text_support.py`: five queues, shared vocabulary,
cross-queue phrases, typos, 6% mislabelled rows; nothing downloaded). Runs the training job itself
for both (`train_job`: the same seeded, stratified 20% holdout, the fitted model staged like
every run) and prints both macro-F1s side by side, which won, and each fit's time.
Exit code 1 when the target is missed.
Run: `.venv/bin/python bench/text.py [--rows N] [--threads N]`
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from mcp_server.ml.fitting.training import TrainRequest, train_job
from tests.text_support import support_tickets

MARGIN = 0.02
BASELINE = "logistic_regression"


def _train(data: Path, model: str, params: dict[str, Any], staging: Path) -> tuple[Any, float]:
    staging.mkdir()
    started = time.perf_counter()
    outcome = train_job(
        TrainRequest(str(data), "queue", model, str(staging), params, drop=["priority"])
    )
    return outcome, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3000, help="tickets in the table")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of the network")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "tickets.csv"
        support_tickets(args.rows, seed=0).to_csv(data, index=False)
        base, base_s = _train(data, BASELINE, {}, Path(tmp) / "base")
        net, net_s = _train(
            data, "text_transformer", {"n_threads": args.threads}, Path(tmp) / "net"
        )
    f1_base, f1_net = float(base.metrics["f1_macro"]), float(net.metrics["f1_macro"])
    print(
        f"support tickets: {base.rows} rows, {base.train_rows} trained, {base.test_rows} held "
        f"out, {len(base.labels)} queues"
    )
    print(f"{'model':<38}{'macro-F1':>10}{'fit s':>9}{'job s':>9}")
    print(f"{'TF-IDF + ' + BASELINE:<38}{f1_base:>10.4f}{base.fit_time_s:>9.1f}{base_s:>9.1f}")
    epochs = f"text_transformer ({net.estimator_params.get('device')}, {args.threads} thread(s))"
    print(f"{epochs:<38}{f1_net:>10.4f}{net.fit_time_s:>9.1f}{net_s:>9.1f}")
    winner = "text_transformer" if f1_net > f1_base else f"TF-IDF ({BASELINE})"
    print(f"won: {winner}; gap {f1_net - f1_base:+.4f} (target >= -{MARGIN})")
    return 0 if f1_net >= f1_base - MARGIN else 1


if __name__ == "__main__":
    sys.exit(main())
