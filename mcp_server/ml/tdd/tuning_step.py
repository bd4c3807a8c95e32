"""REFACTOR's last resort: when the CV winner still misses a gate and the SPEC gives
`tune_budget_s`,
search hyperparameters with `ml_tune`'s engine (Optuna TPE with pruning across folds, on the SPEC's
training split only: the holdout stays unseen) within that budget, render the pipeline with the best
configuration, train and run the same pinned tests. The tuned pipeline is kept only when it is no
worse on the holdout and breaks no test the previous one passed; either way the result reports the
best CV score against the threshold, honestly.

A table's search tries every candidate. On images, and on a text SPEC that names a text network,
it tunes the kept pipeline's family alone (`searched`): each trial fits a network, the selection
has compared the families already, and the registry's space of that family is what matters there
(learning rate, the epoch cap early stopping cuts short, augmentation strength, freezing a
backbone); the kept pipeline's settings outside that space (a checkpoint, a batch size) stay fixed.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.modeling.metrics_spec import get_metric, passes

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.tdd.spec_data import SpecData


def searched(prep: SpecData, model: str, params: dict[str, Any]) -> tuple[list[str] | None, Any]:
    """The families the search tries and their fixed settings (`TuneRequest.search_space`): a
    table's candidates as the registry searches them; on images or text networks, the kept
    pipeline's `model` alone, its `params` outside the registry's space fixed (module doc)."""
    from mcp_server.ml.data.kinds.images import IMAGES
    from mcp_server.ml.modeling.catalog import get_spec, reads_text

    candidates = prep.spec.candidates
    if prep.kind.name != IMAGES and not any(reads_text(name) for name in candidates or []):
        return candidates, {}
    space = get_spec(model).search_space
    return [model], {model: {k: v for k, v in params.items() if k not in space}}


def search(
    workspace: Workspace, prep: SpecData, folder: Path, kept: tuple[str, dict[str, Any]]
) -> Any:
    """`tune_job` on the SPEC's training rows (written to `folder`), within the SPEC's budget;
    `kept`: the model and params of the pipeline the search tries to improve on."""
    import numpy as np

    from mcp_server.ml.tdd.spec_data import spec_split
    from mcp_server.ml.tuning.job import TuneRequest, tune_job
    from mcp_server.ml.tuning.storage import study_url

    spec = prep.spec
    # the same rows the generated pipeline trains on: the data kind's holdout split
    labeled, _, _, train_idx, _ = spec_split(prep)
    table = folder / "training_rows.csv"
    labeled.iloc[np.sort(train_idx)].to_csv(table, index=False)  # images: their paths
    models, fixed = searched(prep, *kept)
    request = TuneRequest(
        data_path=str(table),
        target=spec.target,
        staging=str(folder / "staging"),
        storage=study_url(workspace, None),
        study_name=f"tdd-{spec.spec_id}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}",
        started=time.time(),
        time_budget_s=float(spec.tune_budget_s or 0),
        strategy="optuna",
        models=models,
        search_space=fixed,
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
        found = search(workspace, prep, folder, (before.model, dict(before.params)))
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
