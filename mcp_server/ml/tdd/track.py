"""The TDD tools log their green and refactor models to the run store (MLflow), tagged with the SPEC.

The logged model is the domain layer's pipeline built with the same estimator, params, seed and
training split as the generated one (the generated module makes the same choices by construction,
see `tdd_context`), so the server never unpickles a file the project's code wrote.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from mcp_server.errors import MoaiMlError

if TYPE_CHECKING:
    from mcp_server.ml.tdd.context import Prepared
    from mcp_server.workspace import Workspace

log = logging.getLogger("moai_ml")
EXPERIMENT = "moai-ml"


def fit_equivalent(prep: Prepared, name: str, params: dict[str, Any]) -> tuple[Any, Any]:
    """The domain pipeline fitted on the SPEC's seeded training split; (model, x_train)."""
    from sklearn.model_selection import train_test_split

    from mcp_server.ml.modeling.preprocess import build_pipeline, coerce_frame, encode_target

    spec, schema = prep.spec, prep.schema
    labeled = prep.frame[prep.frame[spec.target].notna()]
    y = encode_target(labeled[spec.target], schema)
    stratify = None if spec.task == "regression" else y
    x_train, _, y_train, _ = train_test_split(
        coerce_frame(labeled, schema), y, test_size=spec.test_size, random_state=spec.seed, stratify=stratify
    )
    model = build_pipeline(schema, name, params, spec.seed).fit(x_train, y_train)
    return model, x_train


def track(
    workspace: Workspace,
    prep: Prepared,
    phase: str,
    name: str,
    params: dict[str, Any],
    metrics: dict[str, float],
    model_sha256: str | None,
) -> tuple[str | None, str | None]:
    """(run_id, None) when logged, or (None, a note saying why not)."""
    try:
        from mcp_server.ml.tracking import runs as tracking
    except ImportError:
        return None, "the run store (mcp_server.ml.tracking.runs) is not installed; the run was not logged"
    get_store = getattr(tracking, "get_store", None)
    if get_store is None:
        return None, "the run store has no get_store() yet; the run was not logged"
    model, x_train = fit_equivalent(prep, name, params)
    tags = {"moai.spec_id": prep.spec.spec_id, "moai.phase": f"tdd-{phase}", "moai.source": "ml_tdd"}
    if model_sha256:
        tags["moai.generated_model_sha256"] = model_sha256
    try:
        run_id = get_store(workspace).log_run(
            experiment=EXPERIMENT,
            run_name=f"{prep.spec.spec_id} {phase} {name}",
            model=model,
            schema=prep.schema,
            model_name=name,
            params={**params, "seed": prep.spec.seed, "test_size": prep.spec.test_size},
            metrics=metrics,
            tags=tags,
            data_path=prep.data_path,
            input_example=x_train.head(3),
        )
    except MoaiMlError as exc:
        return None, f"the run was not logged: {exc}"
    except Exception as exc:
        # Logging is a record of a phase whose outcome (the tests) already stands; a store that
        # fails must not turn a finished phase into an opaque tool error.
        log.exception("logging the %s run of %s failed", phase, prep.spec.spec_id)
        return None, f"the run was not logged ({type(exc).__name__}: {str(exc)[:200]})"
    return str(run_id), None
