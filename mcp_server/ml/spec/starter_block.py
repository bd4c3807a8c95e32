"""A ready `## ML` block for a SPEC, from what the profile learnt about a table.

What the data can say is filled in (dataset, target, task, the columns to drop, candidates that
fit the task and size); the gate is a starting point the SPEC's owner confirms: for
classification a primary-metric threshold that a useful model clears on most tables, for
regression R² (scale-free), both with a baseline margin so a dummy model cannot pass.
"""

from __future__ import annotations

from typing import Any

DROP_CODES = (
    "identifier",
    "constant",
    "leakage",
)  # profile findings whose column must not be a feature
STARTING_GATES = {
    "binary": ("roc_auc", 0.8),
    "multiclass": ("f1_macro", 0.7),
    "regression": ("r2", 0.3),
}


def suggested_drop(findings: list[Any]) -> list[str]:
    """Columns the profile flagged as identifiers, constants or target leaks, in order, once
    each."""
    return list(dict.fromkeys(f.column for f in findings if f.code in DROP_CODES and f.column))


def ml_block(dataset: str, target: str, task: str, drop: list[str], rows: int) -> str:
    """The `## ML` section (heading + fenced yaml) a SPEC can take as it is."""
    import yaml

    from mcp_server.ml.modeling.catalog import default_candidates

    metric, threshold = STARTING_GATES[task]
    fields: dict[str, Any] = {
        "dataset": dataset,
        "target": target,
        "task": task,
        "metric": metric,
        "threshold": threshold,
        "baseline_margin": 0.05,
        "test_size": 0.2,
        "cv_folds": 5,
        "seed": 42,
        "candidates": default_candidates(task, rows),
        "drop": drop,
    }
    body = yaml.safe_dump(fields, sort_keys=False, default_flow_style=None, width=100).strip()
    note = "# threshold: a starting point; the SPEC's owner sets the gate the model must reach"
    return f"## ML\n\n```yaml\n{body}\n{note}\n```\n"
