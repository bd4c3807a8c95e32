"""The TDD tools record their green and refactor models as runs of the SPEC's experiment
(`SPEC-<id>`).

The logged model is the domain layer's pipeline built with the same estimator, params, seed and
training split as the generated one (the generated module makes the same choices by construction,
see `tdd.context`), so the server never unpickles a file the project's code wrote.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.tracking import tags
from mcp_server.ml.tracking.store import RunRecord
from mcp_server.ml.tracking.verdict import Verdict

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.tdd.spec_data import SpecData

log = logging.getLogger("moai_ml")


def fit_equivalent(prep: SpecData, name: str, params: dict[str, Any]) -> tuple[Any, Any, Any]:
    """The domain pipeline fitted on the SPEC's seeded training split (the data kind's holdout,
    the split the kind's generated tests draw); (model, x_train, holdout row positions among the
    labelled rows: what `ml_train` records as `split/holdout_index.npy`)."""
    from mcp_server.ml.modeling.preprocess import build_pipeline
    from mcp_server.ml.tdd.spec_data import spec_split

    _, X, y, train_idx, test_idx = spec_split(prep)
    x_train, y_train = X.iloc[train_idx], y[train_idx]
    model = build_pipeline(prep.schema, name, params, prep.spec.seed).fit(x_train, y_train)
    return model, x_train, test_idx


FIT_BUDGET_S = 3600.0  # the equivalent fit of a phase's model, in its job process


@dataclass(frozen=True)
class PhaseFit:
    """What the job fitting a phase's model for its run needs."""

    prep: SpecData
    phase: str
    name: str
    params: dict[str, Any]
    metrics: dict[str, float]
    extra_tags: dict[str, Any]
    data: dict[str, Any]
    folder: str  # where the model's files are staged (the server records, then deletes them)
    verdict: Verdict | None = None


def stage_phase_run(order: PhaseFit, progress: Any = None) -> RunRecord:
    """In the job process: the equivalent pipeline fitted and staged as the phase's run."""
    import numpy as np

    from mcp_server.ml.tracking.records import fitted_record

    prep, folder = order.prep, Path(order.folder)
    model, _, test_idx = fit_equivalent(prep, order.name, order.params)
    np.save(folder / tags.HOLDOUT_INDEX, test_idx)
    record = fitted_record(
        folder,
        experiment=tags.experiment_name(prep.spec.spec_id),
        kind=f"tdd_{order.phase}",
        run_name=f"{prep.spec.spec_id} {order.phase} {order.name}",
        model=model,
        schema=prep.schema,
        model_name=order.name,
        params={**order.params, "seed": prep.spec.seed, "test_size": prep.spec.test_size},
        metrics=order.metrics,
        extra_tags=order.extra_tags,
        data=order.data,
        input_example=prep.frame[prep.schema.names].head(3),
        verdict=order.verdict,
    )
    record.artifacts[tags.SPLIT] = folder / tags.HOLDOUT_INDEX
    return record


def track(
    workspace: Workspace,
    prep: SpecData,
    phase: str,
    name: str,
    params: dict[str, Any],
    metrics: dict[str, float],
    model_sha256: str | None,
    verdict: Verdict | None = None,
) -> tuple[str | None, str | None]:
    """(run_id, None) when recorded, or (None, a note saying why not). The model is fitted in a
    job process (`capability.run_in_job`); the run carries its verdict (`Verdict`) and the
    holdout split, so `ml_evaluate(run_id)` scores it on its own holdout."""
    from mcp_server.ml.capability import run_in_job
    from mcp_server.ml.tracking.runs import get_store
    from mcp_server.processes import subprocesses

    extra = _phase_tags(prep, phase, params, model_sha256)
    try:
        store = get_store(workspace)
        with store.scratch() as tmp:
            order = PhaseFit(prep, phase, name, params, metrics, extra, _data(prep), tmp, verdict)
            what = f"fitting the {phase} model for its run"
            record = run_in_job(stage_phase_run, order, budget_s=FIT_BUDGET_S, what=what)
            subprocesses.check()  # a cancelled call logs no run
            run_id = store.record(record)
    except MoaiMlError as exc:
        return None, f"the run was not logged: {exc}"
    except Exception as exc:
        # Logging is a record of a phase whose outcome (the tests) already stands; a store that
        # fails must not turn a finished phase into an opaque tool error.
        log.exception("logging the %s run of %s failed", phase, prep.spec.spec_id)
        return None, f"the run was not logged ({type(exc).__name__}: {str(exc)[:200]})"
    return run_id, None


def _phase_tags(
    prep: SpecData, phase: str, params: dict[str, Any], model_sha256: str | None
) -> dict[str, Any]:
    """What a phase's run says about the SPEC, the phase, the generated model and its split."""
    return {
        tags.SPEC_ID: prep.spec.spec_id,
        tags.PHASE: f"tdd-{phase}",
        tags.SOURCE: "ml_tdd",
        tags.GENERATED_MODEL_SHA256: model_sha256,
        tags.PARAMS: params,
        tags.SEED: prep.spec.seed,
        **tags.holdout_split(prep.spec.seed, prep.spec.test_size),
    }


def mark_rejected(workspace: Workspace, run_id: str | None, reason: str) -> None:
    """A recorded run was not kept after all (a refactor winner replaced by the previous
    pipeline)."""
    from mcp_server.ml.tracking.runs import get_store

    if run_id is None:
        return
    reject = Verdict(None, False, reason)  # gates stay as recorded; kept no more
    get_store(workspace).record(
        RunRecord(experiment="", run_name="", kind="", run_id=run_id, verdict=reject)
    )


def _data(prep: SpecData) -> dict[str, Any]:
    from mcp_server.ml.data.tables import file_sha256
    from mcp_server.ml.tracking.records import data_tags

    frame, path = prep.frame, prep.data_path
    return data_tags(
        prep.data_path,
        prep.data_rel,
        # a folder another kind reads whole (an image folder): its files' hashes, in order
        sha256=file_sha256(path) if path.is_file() else prep.kind.fingerprint(path),
        rows=len(frame),
        columns=int(frame.shape[1]),
    )
