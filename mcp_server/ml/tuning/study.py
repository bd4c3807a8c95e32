"""The study a search runs in: created or joined with its configuration (a study searching
another metric or target is refused), and the chosen strategy run on it. Used by `ml_tune`'s job;
`moai-ml tune-worker` joins the same study."""

from __future__ import annotations

from typing import Any

from mcp_server.core.errors import MoaiMlError


def run_strategy(engine: Any, study: Any, strategy: str, n_trials: int | None) -> None:
    from mcp_server.ml.tuning.automl import run_auto
    from mcp_server.ml.tuning.search import run_grid, run_hyperopt

    if strategy == "auto":
        run_auto(engine, study, n_trials)
    elif strategy == "grid":
        run_grid(engine, study, n_trials)
    elif strategy == "hyperopt":
        run_hyperopt(engine, study, n_trials)
    else:
        engine.optimize(study, n_trials)


def open_configured_study(url: str, name: str, config: Any, direction: str) -> Any:
    """Create or join the study; refuse one that searches another metric; store the
    configuration."""
    from mcp_server.ml.tuning.search import CONFIG_ATTR, pruner_for, sampler_for
    from mcp_server.ml.tuning.storage import open_storage, open_study

    study = open_study(
        open_storage(url),
        name,
        direction,
        sampler_for(config.strategy, config.seed),
        pruner_for(config.strategy),
    )
    old = study.user_attrs.get(CONFIG_ATTR)
    if old and (old.get("metric"), old.get("target")) != (config.metric, config.target):
        raise MoaiMlError(
            f"study {name!r} searches {old.get('metric')} of {old.get('target')!r}; pick another "
            "study_name for this search"
        )
    study.set_user_attr(CONFIG_ATTR, config.to_attr())
    return study
