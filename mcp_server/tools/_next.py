"""The `next_step` of the tools that fit, evaluate, export and serve: one call that works as
written, chosen by the run's verdict. A run that met its gates (or has none) goes on towards
serving and the registry; one that missed its SPEC's gates goes to tuning from the SPEC, whose
own answer leads to REFACTOR or to the SPEC's owner (`ml/tuning/advice.py`); a threshold is
never lowered here."""

from __future__ import annotations

from typing import Any

from mcp_server.ml.tdd.next_steps import TUNE_BUDGET_S
from mcp_server.ml.tracking.verdict import STOP_FOR_OWNER

OWNER = f"{STOP_FOR_OWNER}; allow_failed_gates=true only with their word"


def _refused(run_id: str, verdict: Any, spec_id: str | None) -> str:
    if spec_id and verdict.gates_passed is False:
        return (
            f"ml_tune(spec_path='{spec_id}', time_budget_s={TUNE_BUDGET_S}, background=true) "
            "tunes on the SPEC's training split "
            "and says whether tuning closes the gap"
        )
    return f"{OWNER} (run {run_id}: {verdict.reason or 'rejected'})"


def after_fit(run_id: str, verdict: Any, spec_id: str | None) -> str:
    """After `ml_train`: evaluate a kept run, tune a gate-failed one."""
    if verdict.refused:
        return _refused(run_id, verdict, spec_id)
    return (
        f"ml_evaluate(run_id='{run_id}') for plots and CV, then "
        f"ml_generate_serving(run_id='{run_id}')"
    )


def after_evaluation(run_id: str, verdict: Any, spec_id: str | None) -> str:
    """After `ml_evaluate`: serve a kept run, tune a gate-failed one."""
    if verdict.refused:
        return _refused(run_id, verdict, spec_id)
    return f"ml_generate_serving(run_id='{run_id}') writes its prediction service"


def after_comparison(best: str | None, data_path: str, target: str) -> str:
    """After `ml_compare_models`: fit the winner with a holdout."""
    if best is None:
        return "Stop here: no candidate finished; raise time_budget_s or name cheaper models"
    return (
        f"ml_train(data_path={data_path!r}, target={target!r}, model='{best}') fits the winner "
        "and scores it on a holdout"
    )


def after_export(run_id: str | None) -> str:
    """After `ml_export`: serve the run (a file given by path has no run to serve)."""
    if run_id is None:
        return "Done: load the file with its runtime (see the files written)"
    return f"ml_generate_serving(run_id='{run_id}') serves it with a tested FastAPI service"


def after_serving(run_id: str) -> str:
    """After `ml_generate_serving`: register the run's model."""
    return (
        f"ml_register_model(run_id='{run_id}') puts it in the model registry; then ml_promote "
        "its version"
    )


def after_drift(drift: bool, model: str | None, current: str) -> str:
    """After `ml_detect_drift`: measure what drift costs the model, on labelled rows."""
    if not drift:
        return (
            "No action: the current rows look like the reference; run the same check on the "
            "next batch"
        )
    if model is None:
        return (
            "Drift, and no model named: repeat this call with run_id set to the model that "
            "scores these rows (a run id or models:/name@alias) to see whether it matters"
        )
    return (
        f"ml_monitor_performance(run_id={model!r}, current={current!r}) measures whether the "
        "drift costs the SPEC's metric (rows with labels; without them it estimates)"
    )


def after_monitoring(run_id: str, current: str, alerts: list[str], estimated: bool) -> str:
    """After `ml_monitor_performance`: find what moved when a gate fails on recent rows."""
    if alerts:
        return (
            f"ml_detect_drift(reference={run_id!r}, current={current!r}) names the columns "
            "that moved; retrain on recent labelled rows, and ml_promote keeps the champion "
            "unless the new run beats it"
        )
    if estimated:
        return "No alert on estimates: label some of these rows and run the same call to measure"
    return "No action: every chunk meets the SPEC's gates; run the same call on the next batch"
