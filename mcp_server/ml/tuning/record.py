"""A tune's run: the refitted winner as a normal run (exportable, servable, evaluable), every tag
named in `tracking.tags`, its experiment by the one naming rule, each evaluated trial nested
under it as a child run (the trial table stays on the parent)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.ml.tracking import tags
from mcp_server.ml.tracking.artifacts import split_file
from mcp_server.ml.tracking.store import RunRecord
from mcp_server.ml.tuning.storage import redact

if TYPE_CHECKING:
    from mcp_server.ml.capability import Call, Recorded
    from mcp_server.ml.tracking.store import MlflowStore
    from mcp_server.ml.tracking.verdict import Verdict
    from mcp_server.ml.tuning.job import TuneOutcome
    from mcp_server.ml.tuning.tune_run import TuneArgs, TuneFacts

TRIALS = "trials"
TRIALS_TABLE = "trials/trials.csv"


def tune_record(
    call: TuneArgs,
    facts: TuneFacts,
    out: TuneOutcome,
    folder: Path,
    started_ms: int,
    verdict: Verdict,
) -> RunRecord:
    """The tune's run: the search as params, best CV and trial counts as metrics (and the
    holdout's, with a SPEC), the data and model tags, the verdict, the staged files."""
    artifacts = {
        tags.MOAI_DIR: folder / tags.MOAI_DIR,
        tags.PLOTS: folder / tags.PLOTS,
        TRIALS: folder / TRIALS,
    }
    if out.holdout_metrics is not None:
        artifacts[tags.SPLIT] = split_file(folder)
    params = {
        "strategy": call.strategy,
        "models": [m["model"] for m in out.members],
        "metric": out.metric,
        "cv_folds": call.cv_folds,
        "seed": call.seed,
        "time_budget_s": call.time_budget_s,
        "n_trials": call.n_trials,
        "study_name": facts.study_name,
        "test_size": call.test_size,
        **{f"model.{k}": v for k, v in out.estimator_params.items()},
    }
    return RunRecord(
        experiment=tags.experiment_name(call.spec_id, call.experiment),
        run_name=f"tune-{out.best_model}-{time.strftime('%Y%m%d-%H%M%S')}",
        kind="tune",
        params=params,
        metrics=_metrics(out),
        tags=_tags(call, facts, out),
        artifacts=artifacts,
        model_dir=folder / tags.MODEL_DIR,
        model_params=out.estimator_params,
        start_ms=started_ms,
        verdict=verdict,
    )


def _metrics(out: TuneOutcome) -> dict[str, float | None]:
    return {
        tags.cv(out.metric, "mean"): out.cv_mean,
        tags.cv(out.metric, "std"): out.cv_std,
        "trials_complete": out.counts["complete"],
        "trials_pruned": out.counts["pruned"],
        "trials_failed": out.counts["fail"],
        "search_s": out.search_s,
        "refit_s": out.refit_s,
        tags.TRAIN_ROWS: out.train_rows,
        **{tags.holdout(k): v for k, v in (out.holdout_metrics or {}).items()},
        **({tags.TEST_ROWS: out.test_rows} if out.holdout_metrics is not None else {}),
    }


def _tags(call: TuneArgs, facts: TuneFacts, out: TuneOutcome) -> dict[str, Any]:
    split = tags.holdout_split(call.seed, call.test_size) if call.test_size else {}
    return {
        **split,
        tags.SPEC_ID: call.spec_id,
        tags.DATA_PATH: facts.rel,
        tags.DATA_SHA256: out.sha256,
        tags.DATA_KIND: out.data_kind,
        tags.ROWS: out.rows,
        tags.COLUMNS: out.columns,
        tags.TARGET: call.target,
        tags.TASK: out.task,
        tags.MODEL: out.best_model,
        tags.PARAMS: out.best_params,
        tags.N_FEATURES: len(out.schema["features"]),
        tags.SEED: call.seed,
        tags.STUDY: facts.study_name,
        tags.STORAGE: redact(facts.storage_url),
        tags.CV_FOLDS: call.cv_folds,
        tags.RAN_ON: out.ran_on,
    }


def record_tune(
    store: MlflowStore,
    call: TuneArgs,
    facts: TuneFacts,
    out: TuneOutcome,
    folder: Path,
    started_ms: int,
    verdict: Verdict,
) -> list[str]:
    """Write the tune's run and its trials as child runs; their ids, the tune's first."""
    from mcp_server.ml.tracking.children import record_with_children
    from mcp_server.ml.tuning.report import child_runs, read_table

    record = tune_record(call, facts, out, folder, started_ms, verdict)
    trials = child_runs(read_table(folder / TRIALS_TABLE), out.metric)
    return record_with_children(store, record, trials)


def record_tune_run(call: Call[TuneArgs], out: TuneOutcome, verdict: Verdict | None) -> Recorded:
    """The capability's record step: the tune's run and its trials as child runs."""
    from mcp_server.ml.capability import Recorded  # at run time: the import above is for typing
    from mcp_server.ml.tracking.runs import get_store
    from mcp_server.ml.tracking.verdict import Verdict

    store, kept = get_store(call.workspace), verdict or Verdict(None, True)
    return Recorded(
        record_tune(store, call.request, call.facts, out, call.folder, call.started_ms, kept)
    )
