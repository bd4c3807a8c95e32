"""`moai-ml tune-worker`: join a running study from another process or machine.

The worker reads what to search from the study itself (the configuration `ml_tune` stored on it:
table, target, metric, folds, seed, families, spaces, deadline), prepares the same folds, and runs
trials until the study's deadline (or, when given, exactly `n_trials`, deadline or not). Its trials
are ordinary trials of the study; heartbeats let the others fail and retry a trial whose worker
died.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp_server.core.errors import MoaiMlError


@dataclass
class WorkerReport:
    study: str
    trials: int
    best_trial: int | None
    best_value: float | None
    worker: str


def run_worker(study_name: str, storage_url: str, n_trials: int | None = None) -> WorkerReport:
    """Run trials of `study_name` until its deadline or `n_trials`; report the study's best
    trial."""
    import optuna

    from mcp_server.ml.fitting.kind_hint import hinted_kind
    from mcp_server.ml.modeling.dataset import prepare
    from mcp_server.ml.tuning.folds import make_folds
    from mcp_server.ml.tuning.holdout import split_off
    from mcp_server.ml.tuning.scoring import Scorer
    from mcp_server.ml.tuning.search import (
        CONFIG_ATTR,
        Engine,
        SearchConfig,
        pruner_for,
        sampler_for,
    )
    from mcp_server.ml.tuning.storage import check_reachable, open_storage

    check_reachable(storage_url)
    storage = open_storage(storage_url)
    try:
        raw = optuna.load_study(study_name=study_name, storage=storage).user_attrs.get(CONFIG_ATTR)
    except KeyError:
        raise MoaiMlError(
            f"no study {study_name!r} in that storage; start it with ml_tune first"
        ) from None
    if not raw:
        raise MoaiMlError(
            f"study {study_name!r} was not made by ml_tune (it has no search configuration)"
        )
    config = SearchConfig(**raw)
    if n_trials is not None:
        config.deadline = (
            time.time() + 86400.0
        )  # n_trials, not the study's deadline, bounds this worker
    elif time.time() >= config.deadline:
        raise MoaiMlError(
            f"study {study_name!r} is past its deadline; give --n-trials to add trials anyway"
        )
    strategy = "optuna" if config.strategy in ("auto", "hyperopt") else config.strategy
    study = optuna.load_study(
        study_name=study_name,
        storage=storage,
        sampler=sampler_for(strategy, _seed(config)),
        pruner=pruner_for(strategy),
    )
    cache = Path(config.cache) if config.cache else None
    kind = hinted_kind(config.data_path, config.kind, config.kind_options)
    data = prepare(
        Path(config.data_path),
        config.target,
        config.task,
        config.drop,
        cache,
        kind,
        config.group_column,
    )
    data, _ = split_off(data, config.test_size, config.seed)  # the tool's very training rows
    folds = make_folds(
        data,
        config.cv_folds,
        config.seed,
        Scorer(config.task, config.metric, len(data.schema.classes)),
    )
    engine = Engine(config, folds)
    engine.optimize(study, n_trials)
    return _report(study, engine)


def _seed(config: Any) -> int:
    """Each worker samples differently (the same seed would propose the same points)."""
    import os

    return int(config.seed) + os.getpid()


def _report(study: Any, engine: Any) -> WorkerReport:
    import optuna

    mine = [
        t for t in study.get_trials(deepcopy=False) if t.user_attrs.get("worker") == engine.worker
    ]
    try:
        best = study.best_trial
        number, value = best.number, float(best.value)
    except ValueError:
        number, value = None, None
    done = [t for t in mine if t.state != optuna.trial.TrialState.WAITING]
    return WorkerReport(study.study_name, len(done), number, value, engine.worker)
