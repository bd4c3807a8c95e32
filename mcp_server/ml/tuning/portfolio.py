"""Which families a search covers by default, and the configurations `strategy=auto` tries first.

The portfolio is a short, hand-picked list per family (the registry's `portfolio`: the family's
defaults first, then a few configurations that are good on many tables), cheapest families first
(the registry's `cost`). It runs before any Bayesian search, so a tight budget still ends with the
best of sound defaults.
"""

from __future__ import annotations

from typing import Any


def default_families(task: str) -> list[str]:
    """The registry's `auto_search` families that fit the task and are installed, cheap first."""
    from mcp_server.ml.modeling.catalog import auto_families

    return auto_families(task)


def portfolio(
    families: list[str], spaces: dict[str, dict[str, Any]]
) -> list[tuple[str, dict[str, Any]]]:
    """The configurations to try first, round by round across families, each fitted to its space:
    values the caller's space fixes or excludes are dropped (or clipped into its range)."""
    from mcp_server.ml.modeling.registry import REGISTRY

    configs_of = {f: REGISTRY[f].portfolio if f in REGISTRY else () for f in families}
    rounds = max((len(c) for c in configs_of.values()), default=0)
    out = []
    for i in range(max(rounds, 1)):
        for family in families:
            configs = configs_of[family] or ({},)
            if i < len(configs):
                out.append((family, fit_to_space(configs[i], spaces[family])))
    return out


def fit_to_space(config: dict[str, Any], space: dict[str, Any]) -> dict[str, Any]:
    """Keep the tunable parameters of `config` that lie in `space` (clip numbers into ranges)."""
    out: dict[str, Any] = {}
    for name, value in config.items():
        spec = space.get(name)
        if not isinstance(spec, dict):
            continue
        if spec["type"] == "categorical":
            if value in spec["choices"]:
                out[name] = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            clipped = min(max(value, spec["low"]), spec["high"])
            out[name] = round(clipped) if spec["type"] == "int" else float(clipped)
    return out
