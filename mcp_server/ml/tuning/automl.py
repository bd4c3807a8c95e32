"""`strategy=auto`: the portfolio first, then Bayesian search over the winning families with
pruning across folds, then greedy ensemble selection when it beats the best single model on CV.
Also: what to refit, for every strategy (`choose_final`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mcp_server.ml.tuning.search import Engine, enqueue

# Which of the leading families gets the next Bayesian trial: mostly the leader.
PATTERN = (0, 0, 1, 0, 1, 2)
MIN_GAIN = 1e-4


def run_auto(engine: Engine, study: Any, n_trials: int | None) -> None:
    from mcp_server.ml.tuning.portfolio import portfolio

    cfg = engine.config
    for family, params in portfolio(cfg.families, cfg.spaces):
        enqueue(study, family, params, portfolio=True)
    state = {"i": 0}

    def plan(study: Any, trial: Any) -> None:
        import optuna

        if study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.WAITING,)):
            return
        left = engine.open_families(study)
        leaders = [f for f in leading_families(study, engine) if f in left] or left
        if not leaders:  # every configuration scored: `after_trial` stops the search
            return
        pick = leaders[PATTERN[state["i"] % len(PATTERN)] % len(leaders)]
        state["i"] += 1
        study.enqueue_trial({"model": pick})

    engine.optimize(study, n_trials, callbacks=[plan])


def leading_families(study: Any, engine: Engine) -> list[str]:
    """Families ordered by their best CV score so far (families never finished come last)."""
    import optuna

    best: dict[str, float] = {}
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        family, gain = t.params.get("model"), engine.folds.scorer.gain(float(t.value))
        if family in engine.config.families and (family not in best or gain > best[family]):
            best[family] = gain
    ranked = sorted(best, key=lambda f: -best[f])
    return ranked[:3] or list(engine.config.families)


@dataclass
class Member:
    family: str
    params: dict[str, Any]
    rounds: int | None
    trial: int
    weight: int = 1


@dataclass
class Final:
    """What gets refitted: one configuration, or a weighted ensemble of several."""

    members: list[Member]
    cv_mean: float
    cv_std: float
    fold_scores: list[float] = field(default_factory=list)

    @property
    def is_ensemble(self) -> bool:
        return len(self.members) > 1

    @property
    def name(self) -> str:
        return "ensemble" if self.is_ensemble else self.members[0].family


def member_of(trial: Any, spaces: dict[str, dict[str, Any]]) -> Member:
    """A finished trial as a configuration to refit: sampled values plus the space's fixed ones."""
    from mcp_server.ml.tuning.spaces import fixed

    family = trial.params["model"]
    params = {
        **fixed(spaces.get(family, {})),
        **{k.split(".", 1)[1]: v for k, v in trial.params.items() if k.startswith(f"{family}.")},
    }
    return Member(family, params, trial.user_attrs.get("rounds"), trial.number)


def fold_scores(engine: Engine, oof: Any) -> list[float]:
    scorer, y = engine.folds.scorer, engine.folds.y
    return [scorer.value(y[va], oof[va]) for _, va, _, _ in engine.folds.parts]


def choose_final(engine: Engine, study: Any, ensemble: bool) -> Final:
    """The best trial of the study; with `ensemble`, Caruana selection over this process's trials
    when the ensemble's mean fold score beats the best single model's."""
    import numpy as np
    import optuna

    from mcp_server.core.errors import MoaiMlError
    from mcp_server.ml.tuning.ensemble import POOL, caruana

    done = [
        t
        for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        if t.params.get("model") in engine.config.spaces
    ]
    if not done:
        raise MoaiMlError(no_trial_message(study, engine))
    scorer = engine.folds.scorer
    done.sort(key=lambda t: -scorer.gain(float(t.value)))
    best = done[0]
    single = Final(
        [member_of(best, engine.config.spaces)],
        float(best.value),
        float(best.user_attrs.get("std", 0.0)),
    )
    pool = [t for t in done if t.number in engine.oof][:POOL]
    if not ensemble or len(pool) < 2:
        return single
    chosen = caruana([engine.oof[t.number] for t in pool], engine.folds.y, scorer)
    if len(chosen.members) < 2:
        return single
    blend = sum(
        engine.oof[pool[i].number] * w for i, w in zip(chosen.members, chosen.weights, strict=True)
    )
    scores = fold_scores(engine, blend / sum(chosen.weights))
    mean = float(np.mean(scores))
    if scorer.gain(mean) <= scorer.gain(single.cv_mean) + MIN_GAIN:
        return single
    members = [member_of(pool[i], engine.config.spaces) for i in chosen.members]
    for member, weight in zip(members, chosen.weights, strict=True):
        member.weight = weight
    return Final(members, mean, float(np.std(scores)), scores)


def no_trial_message(study: Any, engine: Engine) -> str:
    import optuna

    trials = study.get_trials(deepcopy=False)
    failed = [t for t in trials if t.state == optuna.trial.TrialState.FAIL]
    if failed and len(failed) == len(trials):
        why = failed[-1].user_attrs.get("error", "see the server log")
        return f"every trial failed (last: {why}); check the search space and the data"
    budget = engine.config.deadline - engine.started
    return (
        f"no trial finished within time_budget_s ({budget:.0f} s left after preparing the data); "
        "the budget is too small for one cross-validated fit: raise time_budget_s, lower "
        "cv_folds or "
        "choose cheaper models"
    )
