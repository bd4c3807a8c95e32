"""What a search leaves behind: the trial table (CSV), the leaderboard, and two PNG plots
(optimisation history, parameter importance)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcp_server.ml.tracking import tags
from mcp_server.ml.tuning.scoring import Scorer

LEADERBOARD = 10


def trial_rows(study: Any) -> list[dict[str, Any]]:
    rows = []
    for t in study.get_trials(deepcopy=False):
        rows.append(
            {
                "number": t.number,
                "model": t.params.get("model"),
                "state": t.state.name.lower(),
                "value": t.value,
                "std": t.user_attrs.get("std"),
                "fit_s": t.user_attrs.get("fit_s"),
                "duration_s": round(t.duration.total_seconds(), 3) if t.duration else None,
                "worker": t.user_attrs.get("worker"),
                "error": t.user_attrs.get("error"),
                "start_ms": _ms(t.datetime_start),
                "end_ms": _ms(t.datetime_complete),
                "params": json.dumps(
                    {k.split(".", 1)[-1]: v for k, v in t.params.items() if k != "model"},
                    default=str,
                ),
            }
        )
    return rows


def _ms(moment: Any) -> int | None:
    return int(moment.timestamp() * 1000) if moment is not None else None


def read_table(path: Path) -> list[dict[str, Any]]:
    import csv

    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


STATUS = {"complete": "FINISHED", "pruned": "KILLED", "fail": "FAILED"}


def child_runs(rows: list[dict[str, Any]], metric: str) -> list[Any]:
    """Each evaluated trial (finished, pruned or failed) as an MLflow child run: its model and
    parameters,
    its CV score and state; finished trials first when there are more than the child-run limit."""
    done = [r for r in rows if r["state"] in STATUS]
    done.sort(key=lambda r: (r["state"] != "complete", int(r["number"])))
    return [_child(r, metric) for r in done]


def _child(r: dict[str, Any], metric: str) -> Any:
    from mcp_server.ml.tracking.children import ChildRun

    return ChildRun(
        name=f"trial-{r['number']}-{r['model']}",
        kind="trial",
        params={"model": r["model"], **json.loads(r["params"] or "{}")},
        metrics={
            f"cv_{metric}_mean": _num(r["value"]),
            f"cv_{metric}_std": _num(r["std"]),
            "fit_s": _num(r["fit_s"]),
            "duration_s": _num(r["duration_s"]),
        },
        tags={
            tags.TRIAL: r["number"],
            tags.STATE: r["state"],
            tags.MODEL: r["model"],
            tags.WORKER: r["worker"] or None,
            tags.MESSAGE: r["error"] or None,
        },
        status=STATUS[r["state"]],
        start_ms=_int(r["start_ms"]),
        end_ms=_int(r["end_ms"]),
    )


def _num(value: Any) -> float | None:
    return None if value in (None, "") else float(value)


def _int(value: Any) -> int | None:
    return None if value in (None, "") else int(float(value))


def write_table(rows: list[dict[str, Any]], path: Path) -> None:
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["number"])
        writer.writeheader()
        writer.writerows(rows)


def leaderboard(rows: list[dict[str, Any]], scorer: Scorer) -> list[dict[str, Any]]:
    """The best finished trials, best first."""
    done = [r for r in rows if r["state"] == "complete" and r["value"] is not None]
    done.sort(key=lambda r: -scorer.gain(r["value"]))
    return [
        {k: r[k] for k in ("number", "model", "value", "std", "fit_s", "params")}
        for r in done[:LEADERBOARD]
    ]


def _figure() -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(5.0, 3.4), dpi=80)


def _save(fig: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def history_png(rows: list[dict[str, Any]], scorer: Scorer, path: Path) -> None:
    """Each finished trial's CV score by trial number, coloured by model, and the best so far."""
    fig, ax = _figure()
    done = [r for r in rows if r["state"] == "complete" and r["value"] is not None]
    for model in sorted({r["model"] for r in done}):
        mine = [r for r in done if r["model"] == model]
        ax.scatter([r["number"] for r in mine], [r["value"] for r in mine], s=12, label=model)
    best, line = None, []
    for r in sorted(done, key=lambda r: r["number"]):
        best = r["value"] if best is None or scorer.better(r["value"], best) else best
        line.append((r["number"], best))
    if line:
        ax.step(
            [x for x, _ in line],
            [v for _, v in line],
            where="post",
            color="black",
            linewidth=1,
            label="best",
        )
    ax.set_xlabel("trial")
    ax.set_ylabel(f"CV {scorer.metric}")
    ax.set_title("Optimisation history")
    if done:
        ax.legend(fontsize=6, loc="best")
    _save(fig, path)


def importances(study: Any, family: str) -> dict[str, float]:
    """Importance of the best family's parameters: mean decrease in impurity of a random forest
    fitted
    on the trials (empty when there are too few)."""
    import optuna

    done = [
        t
        for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        if t.params.get("model") == family
    ]
    names = sorted({k for t in done for k in t.params if k.startswith(f"{family}.")})
    if len(done) < 3 or not names:
        return {}
    try:
        evaluator = optuna.importance.MeanDecreaseImpurityImportanceEvaluator(
            n_trees=16, max_depth=8, seed=0
        )
        found = optuna.importance.get_param_importances(study, evaluator=evaluator, params=names)
    except (RuntimeError, ValueError, ZeroDivisionError):
        return {}
    return {k.split(".", 1)[1]: round(float(v), 4) for k, v in found.items()}


def importance_png(values: dict[str, float], family: str, path: Path) -> None:
    fig, ax = _figure()
    if values:
        names = list(values)[::-1]
        ax.barh(names, [values[n] for n in names])
        ax.set_xlabel("importance (mean decrease in impurity)")
    else:
        ax.text(
            0.5, 0.5, "too few finished trials\nfor parameter importance", ha="center", va="center"
        )
        ax.set_axis_off()
    ax.set_title(f"Parameter importance: {family}")
    _save(fig, path)
