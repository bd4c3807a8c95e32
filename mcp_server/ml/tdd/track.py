"""The TDD tools record their green and refactor models as runs of the SPEC's experiment
(`SPEC-<id>`): what the job process stages for the record step (`ml/tdd/capabilities.py`); nothing
here runs in the server.

The logged model is the domain layer's pipeline built with the same estimator, params, seed and
training split as the generated one (the generated module makes the same choices by construction,
see `tdd.context`), so the server never unpickles a file the project's code wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.ml.tracking import tags
from mcp_server.ml.tracking.store import RunRecord
from mcp_server.ml.tracking.verdict import Verdict

if TYPE_CHECKING:
    from mcp_server.ml.tdd.spec_data import SpecData


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


def phase_tags(
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


def data_tags_of(prep: SpecData) -> dict[str, Any]:
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
