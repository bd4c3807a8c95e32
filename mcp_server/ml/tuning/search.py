"""The search engine: one Optuna study per search, an objective that cross-validates a sampled
configuration fold by fold (reporting each fold, so the pruner can stop a hopeless trial early),
and the strategies grid | random | optuna (TPE) | hyperopt. `strategy=auto` lives in `automl`.

Every process that works on a study (the tool's job, `moai-ml tune-worker`) builds the same
`Engine` from the study's stored configuration, so they sample one space and score alike.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.tracking import tags
from mcp_server.ml.tuning.folds import Folds, OutOfTime, cross_val
from mcp_server.ml.tuning.repeats import open_families, repeated
from mcp_server.ml.tuning.spaces import suggest

STRATEGIES = ("auto", "grid", "random", "optuna", "hyperopt")
CONFIG_ATTR = tags.STUDY_CONFIG


@dataclass
class SearchConfig:
    """What a study searches; stored on the study so workers can join it."""

    data_path: str
    target: str
    task: str
    drop: list[str]
    metric: str
    cv_folds: int
    seed: int
    strategy: str
    families: list[str]
    spaces: dict[str, dict[str, Any]]
    deadline: float  # time.time() after which no trial starts
    n_trials: int | None = None
    cache: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    test_size: float | None = None  # the SPEC's holdout: no worker's fold sees it
    kind: str | None = None  # the SPEC's kind of data: every worker reads and splits by it
    kind_options: dict[str, Any] = field(default_factory=dict)
    group_column: str | None = None  # the SPEC's: every worker's folds keep a group together

    def to_attr(self) -> dict[str, Any]:
        return asdict(self)


def sampler_for(strategy: str, seed: int) -> Any:
    import optuna

    if strategy in ("grid", "random"):
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(
        seed=seed, multivariate=True, group=True, constant_liar=True, n_startup_trials=8
    )


def pruner_for(strategy: str) -> Any:
    import optuna

    if strategy == "hyperopt":
        return optuna.pruners.NopPruner()
    return optuna.pruners.WilcoxonPruner(p_threshold=0.1, n_startup_steps=2)


class Engine:
    """Scores configurations on prepared folds; keeps each finished trial's out-of-fold
    predictions."""

    def __init__(
        self, config: SearchConfig, folds: Folds, progress: Callable[..., None] | None = None
    ) -> None:
        self.config, self.folds = config, folds
        self.progress = progress or (lambda *a: None)
        self.oof: dict[int, Any] = {}
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.started = time.time()
        self.n_trials: int | None = None  # this search's trial limit, when it has one
        self.done = 0  # trials finished in this search (complete, pruned or failed)

    def objective(self, trial: Any) -> float:
        import optuna

        family = trial.suggest_categorical("model", self.config.families)
        params = suggest(trial, self.config.spaces[family], family)
        trial.set_user_attr("worker", self.worker)
        earlier = repeated(trial.study, trial.params)
        if earlier is not None:  # scored already: the same folds would give the same score
            trial.set_user_attr("repeat_of", earlier)
            raise optuna.TrialPruned(f"repeats trial {earlier}'s configuration")

        last = len(self.folds.parts) - 1
        protected = bool(
            trial.user_attrs.get("portfolio")
        )  # the portfolio runs whole: the ensemble needs its folds

        def on_fold(step: int, value: float) -> None:
            trial.report(value, step)
            if step < last and not protected and trial.should_prune():
                raise optuna.TrialPruned(
                    f"fold {step + 1} is significantly worse than the best trial"
                )

        try:
            cv = cross_val(
                self.folds, family, params, deadline=self.config.deadline, on_fold=on_fold
            )
        except OutOfTime as exc:
            trial.set_user_attr("stopped", "time budget")
            _stop(trial.study)
            raise optuna.TrialPruned(str(exc)) from None
        except (optuna.TrialPruned, MemoryError):
            raise
        except Exception as exc:
            trial.set_user_attr(
                "error", (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            )
            raise
        trial.set_user_attr("std", cv.std)
        trial.set_user_attr("fit_s", round(cv.fit_s, 3))
        if cv.rounds:
            trial.set_user_attr("rounds", cv.rounds)
        self.oof[trial.number] = cv.oof
        return cv.mean

    def after_trial(self, study: Any, trial: Any) -> None:
        """Stop at the deadline, or once every family's configurations are all scored; tell the
        caller about the trial."""
        if time.time() >= self.config.deadline or not self.open_families(study):
            _stop(study)
        self.done += 1
        step = 1 + 90 * self.share_done()
        event = {
            "trial": trial.number,
            "model": trial.params.get("model"),
            "state": trial.state.name,
        }
        shown = f"{trial.value:.4g}" if trial.state.name == "COMPLETE" else trial.state.name.lower()
        self.progress(step, f"trial {trial.number}: {trial.params.get('model')} {shown}", event)

    def open_families(self, study: Any) -> list[str]:
        """The families with a configuration not scored yet (`repeats.open_families`)."""
        return open_families(study, self.config.families, self.config.spaces)

    def share_done(self) -> float:
        """How much of the search is done: trials finished of n_trials, or of the time budget
        when that runs out first (the search stops at whichever limit it meets first)."""
        budget = max(self.config.deadline - self.started, 1e-9)
        by_budget = min((time.time() - self.started) / budget, 1.0)
        if not self.n_trials:
            return by_budget
        return max(min(self.done / self.n_trials, 1.0), by_budget)

    def optimize(
        self, study: Any, n_trials: int | None, callbacks: list[Any] | None = None
    ) -> None:
        import optuna

        self.n_trials = n_trials

        remaining = self.config.deadline - time.time()
        if remaining <= 0:
            return
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        study.optimize(
            self.objective,
            n_trials=n_trials,
            timeout=remaining,
            catch=(Exception,),
            callbacks=[self.after_trial, *(callbacks or [])],
            gc_after_trial=False,
        )


def _stop(study: Any) -> None:
    """`Study.stop` works only inside `optimize` (hyperopt drives its own loop)."""
    import contextlib

    with contextlib.suppress(RuntimeError):
        study.stop()


def enqueue(study: Any, family: str, params: dict[str, Any], portfolio: bool = False) -> None:
    values = {"model": family, **{f"{family}.{k}": v for k, v in params.items()}}
    study.enqueue_trial(
        values, user_attrs={"portfolio": True} if portfolio else None, skip_if_exists=True
    )


def run_grid(engine: Engine, study: Any, n_trials: int | None) -> None:
    """Every grid point, families interleaved, until the grid, n_trials or the budget runs out."""
    from mcp_server.ml.tuning.spaces import grid

    per_family = {
        f: grid({k: v for k, v in engine.config.spaces[f].items() if isinstance(v, dict)})
        for f in engine.config.families
    }
    points = [
        (f, p[i])
        for i in range(max(map(len, per_family.values())))
        for f, p in per_family.items()
        if i < len(p)
    ]
    for family, params in points:
        enqueue(study, family, params)
    engine.optimize(study, min(len(points), n_trials or len(points)))


def _hyperopt_trial(engine: Engine, study: Any, point: dict[str, Any]) -> dict[str, Any]:
    """One point hyperopt proposes, evaluated as an Optuna trial of the study; its loss."""
    import hyperopt
    import optuna

    cfg = engine.config
    if time.time() >= cfg.deadline:
        return {"status": hyperopt.STATUS_FAIL}
    family, params = point["model"], point["params"]
    searched = {
        f"{family}.{k}": v for k, v in params.items() if isinstance(cfg.spaces[family].get(k), dict)
    }
    study.enqueue_trial({"model": family, **searched})
    trial = study.ask()
    try:
        value = engine.objective(trial)
    except optuna.TrialPruned:
        engine.after_trial(study, study.tell(trial, state=optuna.trial.TrialState.PRUNED))
        return {"status": hyperopt.STATUS_FAIL}
    except Exception:
        engine.after_trial(study, study.tell(trial, state=optuna.trial.TrialState.FAIL))
        return {"status": hyperopt.STATUS_FAIL}
    engine.after_trial(study, study.tell(trial, value))
    return {"status": hyperopt.STATUS_OK, "loss": -value if engine.folds.scorer.higher else value}


def run_hyperopt(engine: Engine, study: Any, n_trials: int | None) -> None:
    """Hyperopt's TPE drives the search; each result is recorded in the Optuna study as a trial."""
    try:
        import hyperopt
    except ImportError:
        raise MoaiMlError(
            "strategy 'hyperopt' needs the 'tune' extra: pip install 'moai-domain-ml[tune]'"
        ) from None
    import numpy as np

    from mcp_server.ml.tuning.spaces import hyperopt_space

    cfg = engine.config
    space = hyperopt.hp.choice(
        "model", [{"model": f, "params": hyperopt_space(cfg.spaces[f], f)} for f in cfg.families]
    )

    engine.n_trials = n_trials
    hyperopt.fmin(
        lambda point: _hyperopt_trial(engine, study, point),
        space,
        algo=hyperopt.tpe.suggest,
        max_evals=n_trials or 100_000,
        timeout=max(int(cfg.deadline - time.time()), 1),
        rstate=np.random.default_rng(cfg.seed),
        show_progressbar=False,
        trials=hyperopt.Trials(),
    )
