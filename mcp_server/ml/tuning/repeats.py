"""A search's configurations already scored: a trial that samples one again is not fitted again
(the same folds would give the same score), and a family whose finite space is used up (ETS'
choices, the seasonal naive's single configuration) gets no more trials."""

from __future__ import annotations

from typing import Any


def scored(study: Any) -> list[dict[str, Any]]:
    """The distinct configurations (`model` and its sampled parameters) of finished trials."""
    import optuna

    out: list[dict[str, Any]] = []
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        if t.params not in out:
            out.append(t.params)
    return out


def repeated(study: Any, params: dict[str, Any]) -> int | None:
    """The number of a finished trial that scored exactly these parameters, or None."""
    import optuna

    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        if t.params == params:
            return int(t.number)
    return None


def open_families(study: Any, families: list[str], spaces: dict[str, dict[str, Any]]) -> list[str]:
    """The families with a configuration not scored yet: an unbounded space never runs out."""
    from mcp_server.ml.tuning.spaces import size

    seen = scored(study)
    out = []
    for family in families:
        total = size(spaces[family])
        if total is None or sum(1 for params in seen if params["model"] == family) < total:
            out.append(family)
    return out
