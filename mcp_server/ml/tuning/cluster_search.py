"""The search of `ml_tune` on a Dask cluster: an Optuna objective whose trial samples a family
and its parameters from the product's spaces (`spaces.suggest`), then cross-validates them fold
by fold on the hash-drawn folds of the rows the holdout leaves (`hash_split.Fold`), each fold
fitted by the family's Dask estimator and scored where its rows lie, as a cluster comparison
scores a candidate (`cluster_compare.fold_scores`), but on folds prepared once per search
(`cluster_folds.FoldCache`: each fold's statistics, preprocessor and matrices persisted on the
workers by the first trial that needs it), so a trial only fits and scores. Each fold is
reported, so the pruner stops a hopeless trial early; no fold starts past the deadline."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mcp_server.ml.fitting.progress import Progress


@dataclass
class ClusterSearch:
    """What the trials share: the prepared folds, the spaces and limits."""

    cache: Any  # `cluster_folds.FoldCache` of the partitions and their table
    folds: list[Any]  # `hash_split.Fold`s of the rows the holdout leaves
    spaces: dict[str, dict[str, Any]]  # family -> normalised space
    metric: str
    deadline: float  # time.time() after which no fold starts
    train_request: Callable[[str, dict[str, Any]], Any]  # (family, params) -> the fit's request
    progress: Progress
    n_trials: int | None = None
    started: float = field(default_factory=time.time)
    done: int = 0
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    def objective(self, trial: Any) -> float:
        import numpy as np
        import optuna

        from mcp_server.ml.tuning.spaces import suggest

        family = trial.suggest_categorical("model", list(self.spaces))
        params = suggest(trial, self.spaces[family], family)
        trial.set_user_attr("worker", self.worker)
        values, fits = [], []
        for fold in self.folds:
            if time.time() >= self.deadline:
                trial.set_user_attr("stopped", "time budget")
                _stop(trial.study)
                raise optuna.TrialPruned("the time budget ran out before the next fold")
            try:
                metrics, fit_s = self.cache.fold_scores(self.train_request(family, params), fold)
            except Exception as exc:
                text = str(exc).strip().splitlines() or [type(exc).__name__]
                trial.set_user_attr("error", text[0][:200])
                raise
            values.append(float(metrics[self.metric]))
            fits.append(fit_s)
            trial.report(values[-1], fold.index)
            if fold.index < len(self.folds) - 1 and trial.should_prune():
                raise optuna.TrialPruned(f"fold {fold.index + 1} is significantly worse")
        trial.set_user_attr("std", float(np.std(values)))
        trial.set_user_attr("fit_s", round(float(np.mean(fits)), 3))
        return float(np.mean(values))

    def after_trial(self, study: Any, trial: Any) -> None:
        """Stop at the deadline; tell the caller about the trial (progress per trial)."""
        if time.time() >= self.deadline:
            _stop(study)
        self.done += 1
        budget = max(self.deadline - self.started, 1e-9)
        share = min((time.time() - self.started) / budget, 1.0)
        if self.n_trials:
            share = max(min(self.done / self.n_trials, 1.0), share)
        state = trial.state.name
        shown = f"{trial.value:.4g}" if state == "COMPLETE" else state.lower()
        family = trial.params.get("model")
        event = {"trial": trial.number, "model": family, "state": state}
        self.progress(2 + 88 * share, f"trial {trial.number}: {family} {shown}", event)

    def run(self, study: Any, strategy: str) -> None:
        """`strategy` auto: each family's portfolio first (its defaults), then TPE; optuna: TPE;
        random: random sampling (the study's sampler); until n_trials or the deadline."""
        import optuna

        from mcp_server.ml.tuning.portfolio import portfolio
        from mcp_server.ml.tuning.search import enqueue

        if strategy == "auto":
            for family, params in portfolio(list(self.spaces), self.spaces):
                enqueue(study, family, params, portfolio=True)
        remaining = self.deadline - time.time()
        if remaining <= 0:
            return
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        study.optimize(
            self.objective,
            n_trials=self.n_trials,
            timeout=remaining,
            catch=(Exception,),
            callbacks=[self.after_trial],
            gc_after_trial=False,
        )


def _stop(study: Any) -> None:
    import contextlib

    with contextlib.suppress(RuntimeError):
        study.stop()


__all__ = ["ClusterSearch"]
