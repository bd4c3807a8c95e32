"""What to do after a TDD phase: the next call with its arguments, never the step just done.

After GREEN: serve the model (or export it). After an unmet gate in GREEN: the refactor step.
After an unmet gate in REFACTOR: the best cross-validated score against the threshold, then
tuning when the gap is one tuning can close, else the SPEC's owner decides (more or better data,
features, or a different gate) — the tools never lower a threshold themselves.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from mcp_server.ml.tracking.verdict import OWNER_DECIDES

CLOSABLE_GAP = {
    "max": 0.03,
    "min": 0.10,
}  # absolute for scores in [0, 1]; relative for error metrics
TUNE_BUDGET_S = 60  # a search an agent follows in two ml_job_status waits, not six


def _ref(prep: Any) -> str:
    return f"spec_path='{prep.spec.spec_id}'"


def _gap(direction: str, best: float, threshold: float) -> float:
    """How far the best CV score is from the gate (0 when it meets it); relative for error
    metrics."""
    if direction == "max":
        return max(0.0, threshold - best)
    return max(0.0, (best - threshold) / abs(threshold)) if threshold else max(0.0, best)


def _tuning_available() -> bool:
    return importlib.util.find_spec("mcp_server.ml.tuning") is not None


def after_green_phase(prep: Any, phase: str, result: Any) -> str:
    failing = [t.name for t in result.tests if t.status != "passed"]
    if result.ok and phase == "green":
        return (
            f"GREEN: every test passes. Next: ml_tdd_refactor({_ref(prep)}) "
            "cross-validates the SPEC's "
            "candidates and keeps the best one that stays green."
        )
    if result.ok:
        return served(prep, result.run_id)
    unmet = [f"{g.name} {g.value} vs {g.threshold}" for g in result.metrics if not g.passed]
    head = f"NOT GREEN: {len(failing)} test(s) fail ({', '.join(failing[:5])})."
    head += f" Unmet gates: {'; '.join(unmet)}." if unmet else ""
    if phase == "green":
        return (
            head
            + f" Tests and thresholds stay as the SPEC says. Next: ml_tdd_refactor({_ref(prep)})."
        )
    return head + " " + after_unmet_refactor(prep, result)


def served(prep: Any, run_id: str | None) -> str:
    done = "GREEN after refactor: every test passes. "
    if run_id is None:
        return (
            done + "Next: fix the run store (see warnings) so the model is tracked, then serve it."
        )
    module = prep.spec.module
    return (
        done + f"Next: ml_generate_serving(run_id='{run_id}', output_dir='serving/{module}') to "
        "serve it, or "
        f"ml_export(run_id='{run_id}', format='onnx'); then set the SPEC's version to "
        "0.1.0 and status to "
        "completed (implemented in MoAI's current format)."
    )


def after_unmet_refactor(prep: Any, result: Any) -> str:
    from mcp_server.ml.modeling.metrics_spec import get_metric

    spec = prep.spec
    board = [row for row in result.cv_results if row.get("cv_mean") is not None]
    if not board:
        return f"No candidate finished cross-validation: {OWNER_DECIDES}."
    direction = get_metric(spec.metric).direction
    best = (
        max(board, key=lambda r: r["cv_mean"])
        if direction == "max"
        else min(board, key=lambda r: r["cv_mean"])
    )
    sign = ">=" if direction == "max" else "<="
    gap = _gap(direction, best["cv_mean"], spec.threshold)
    text = (
        f"Best CV {spec.metric}: {best['cv_mean']:.4f} ({best['model']}) vs threshold "
        f"{sign} {spec.threshold}"
        f"{' (met in CV; the holdout is the noisier estimate)' if gap == 0 else ''}."
    )
    if gap <= CLOSABLE_GAP[direction] and _tuning_available():
        return (
            text + f" Next: ml_tune({_ref(prep)}, time_budget_s={TUNE_BUDGET_S}, background=true) "
            "searches the candidates' hyperparameters."
        )
    if gap <= CLOSABLE_GAP[direction]:
        return (
            text + " The gap is small: more candidates or features may close it; the SPEC's owner "
            "decides."
        )
    return (
        text + f" Tuning is unlikely to close a gap this size: {OWNER_DECIDES}. The tests and "
        "thresholds stay as they are."
    )
