"""REFACTOR's last resort: when the CV winner still misses a gate and the SPEC gives
`tune_budget_s`,
search hyperparameters with `ml_tune`'s engine (Optuna TPE with pruning across folds, on the SPEC's
training split only: the holdout stays unseen) within that budget, render the pipeline with the best
configuration, train and run the same pinned tests. The tuned pipeline is kept only when it is no
worse on the holdout and breaks no test the previous one passed; either way the result reports the
best CV score against the threshold, honestly.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core import names
from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.modeling.metrics_spec import get_metric, passes

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.tdd.spec_data import SpecData


def search(workspace: Workspace, prep: SpecData, folder: Path) -> Any:
    """`tune_job` on the SPEC's training rows (written to `folder`), within the SPEC's budget."""
    import numpy as np

    from mcp_server.ml.tdd.spec_data import spec_split
    from mcp_server.ml.tuning.job import TuneRequest, tune_job
    from mcp_server.ml.tuning.storage import study_url

    spec = prep.spec
    # the same rows the generated pipeline trains on: the data kind's holdout split
    labeled, _, _, train_idx, _ = spec_split(prep)
    table = folder / "training_rows.csv"
    labeled.iloc[np.sort(train_idx)].to_csv(table, index=False)
    request = TuneRequest(
        data_path=str(table),
        target=spec.target,
        staging=str(folder / "staging"),
        storage=study_url(workspace, None),
        study_name=names.unique_name(f"tdd-{spec.spec_id}"),
        started=time.time(),
        time_budget_s=float(spec.tune_budget_s or 0),
        strategy="optuna",
        models=spec.candidates,
        metric=spec.metric,
        task=prep.schema.task,
        drop=list(spec.drop),
        cv_folds=spec.cv_folds,
        seed=spec.seed,
        group_column=spec.group_column,  # the search's folds keep a group together too
        # a time series: rolling-origin folds stepping by the SPEC's horizon (no random folds)
        kind=spec.kind,
        kind_options=dict(spec.kind_options),
    )
    return tune_job(request)


def tune_unmet(job: Any, workspace: Workspace) -> None:
    """In REFACTOR's job (`refactor_job._Refactoring`): tune, try the tuned pipeline against the
    pinned tests on the project's copy, keep the better; `job.out.tuning` says what happened."""
    from mcp_server.ml.tdd.rendering import pipeline_files

    prep, out = job.prep, job.out
    spec, before = prep.spec, out.final
    folder = Path(job.order.folder) / "tune"
    folder.mkdir()
    try:
        found = search(workspace, prep, folder)
    except MoaiMlError as exc:
        out.warnings.append(
            f"tuning within tune_budget_s={spec.tune_budget_s:g} did not run: {exc}"
        )
        out.tuning = {"budget_s": spec.tune_budget_s, "error": str(exc)}
        return
    info = _info(prep, found)
    note = (
        f"tuned within {spec.tune_budget_s:g} s ({info['trials']} trials): CV {spec.metric} "
        f"{found.cv_mean:.4f} ± {found.cv_std:.4f} vs threshold {spec.threshold}"
    )
    files = pipeline_files(prep, found.best_model, dict(found.best_params), note)
    job.write(files)
    tuned = job.attempt(found.best_model, dict(found.best_params), files)
    metric = get_metric(spec.metric, prep.schema.task)
    if _no_worse(tuned, before, spec.metric, metric.greater_is_better):
        out.tuning = {**info, "adopted": True}
        return
    why = "the tuned pipeline was worse on the holdout or broke a test"
    job.back_to(before.pipeline, before.model, dict(before.params), why)
    out.tuning = info
    out.warnings.append(
        f"the tuned {found.best_model} ({note}) was not better on the holdout or broke "
        "a test; the previous pipeline was put back"
    )


def _info(prep: SpecData, found: Any) -> dict[str, Any]:
    spec = prep.spec
    metric = get_metric(spec.metric, prep.schema.task)
    return {
        "budget_s": spec.tune_budget_s,
        "search_s": found.search_s,
        "model": found.best_model,
        "params": found.best_params,
        "cv_mean": found.cv_mean,
        "cv_std": found.cv_std,
        "threshold": spec.threshold,
        "metric": spec.metric,
        "cv_meets_threshold": passes(metric, found.cv_mean, spec.threshold),
        "trials": found.counts["complete"],
        "pruned": found.counts["pruned"],
        "adopted": False,
    }


def _no_worse(tuned: Any, before: Any, name: str, higher: bool) -> bool:
    """No test the previous pipeline passed fails now, and the primary holdout value is at least as
    good."""
    failing_before = {t.name for t in before.run.outcomes if t.status != "passed"}
    if any(t.status != "passed" and t.name not in failing_before for t in tuned.run.outcomes):
        return False
    new = next((g.value for g in tuned.gates if g.name == name), None)
    old = next((g.value for g in before.gates if g.name == name), None)
    if new is None:
        return False
    return old is None or (new >= old if higher else new <= old)
