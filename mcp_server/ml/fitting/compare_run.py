"""`ml_compare_models` in the domain: the comparison capability's prepare, collect and record
steps.

The cross-validation runs in a job process (`compare.compare_job`); a stopped job's finished
candidates arrive as events, so the leaderboard and its runs are built from those too.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core import layout
from mcp_server.ml.capability import Call, Plan, Recorded
from mcp_server.ml.fitting.compare import Candidate, CompareRequest
from mcp_server.ml.fitting.requests import CompareArgs
from mcp_server.ml.tracking import tags
from mcp_server.ml.tracking.store import RunRecord
from mcp_server.ml.tracking.verdict import Verdict

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.tracking.runs import RunStore


def check_compare(
    workspace: Workspace, args: CompareArgs
) -> tuple[Path, str | None, dict[str, Any]]:
    """The dataset's path and the kind of data the request or its SPEC names (with options)."""
    from mcp_server.ml.data.kinds.registry import kind_for
    from mcp_server.ml.fitting.kind_hint import resolve_kind
    from mcp_server.ml.modeling.catalog import get_spec

    path = workspace.resolve(args.data_path, must_exist=True)
    for name in args.models or []:
        get_spec(name)
    kind, options = resolve_kind(workspace, args.kind, args.kind_options, args.spec_id)
    kind_for(path, kind, options).check_size(path)  # too large to read: refused before a job
    return path, kind, options


GRACE_S = 1.0  # the job's budget beyond the comparison's: the last candidate's event gets out
DEFAULT_STEPS = 14  # progress steps when every registered model that fits the task is compared


def prepare_comparison(call: Call[CompareArgs]) -> Plan:
    """Where the comparison runs (a partitioned dataset: on the Dask cluster,
    `cluster_compare`), the checks, then the job's request."""
    from mcp_server.ml.fitting.cluster_compare import cluster_compare_plan
    from mcp_server.ml.fitting.where import fit_engine, partitioned_table

    args = call.request
    if partitioned_table(call.workspace, args.data_path, args.kind):
        engine = fit_engine(call.workspace, args.spec_id)
        steps = (len(args.models) if args.models else 2) + 2
        return cluster_compare_plan(call, engine, steps, GRACE_S)
    path, kind, options = check_compare(call.workspace, args)
    request = compare_request(call.workspace, args, path, call.started)
    request.kind, request.kind_options = kind, options
    if request.metric is None and args.spec_id and kind is not None:
        # a kind the SPEC names (a forecast): rank by the SPEC's metric (MASE, sMAPE, ...)
        from mcp_server.ml.spec.reader import spec_of

        spec = spec_of(call.workspace, args.spec_id)
        request.metric = spec.metric if spec is not None else None
    return Plan(
        payload=request,
        budget_s=args.time_budget_s + GRACE_S,
        steps=len(args.models) + 2 if args.models else DEFAULT_STEPS,
        what="the comparison",
        facts=path,
    )


def collect_comparison(
    call: Call[CompareArgs], outcome: Any
) -> tuple[dict[str, Any], list[Candidate]] | None:
    """The setup and the candidates; past the budget the candidates that finished still count;
    before the data was even ready, nothing does (None)."""
    if outcome is None and not any(isinstance(e, dict) for e in call.events):
        return None
    return candidates(call.events, outcome, call.timed_out)


def record_comparison_runs(
    call: Call[CompareArgs],
    collected: tuple[dict[str, Any], list[Candidate]],
    verdict: Verdict | None,
) -> Recorded:
    from mcp_server.ml.tracking.runs import get_store

    setup, cands = collected
    facts = call.facts  # the table's path, or a partitioned dataset as the caller named it
    rel = facts if isinstance(facts, str) else call.workspace.relative(facts)
    store = get_store(call.workspace)
    return Recorded(record_comparison(store, call.request, rel, setup, cands, call.started_ms))


def compare_request(
    workspace: Workspace, args: CompareArgs, path: Path, started: float
) -> CompareRequest:
    from mcp_server.ml.fitting.where import spec_group

    return CompareRequest(
        data_path=str(path),
        target=args.target,
        models=args.models,
        metric=args.metric,
        cv_folds=args.cv_folds,
        seed=args.seed,
        task=args.task,
        drop=list(args.drop),
        params=args.params,
        deadline=started + args.time_budget_s,
        cache=str(workspace.ensure_dir(layout.SCHEMA_CACHE)),
        group_column=spec_group(workspace, args.spec_id),
    )


def candidates(
    events: list[Any], outcome: Any, timed_out: bool
) -> tuple[dict[str, Any], list[Candidate]]:
    """The setup event and the finished candidates (from the result, or from events if stopped)."""
    setup = next((e for e in events if isinstance(e, dict)), {})
    if outcome is not None:
        return setup, list(outcome.candidates)
    done = [e for e in events if isinstance(e, Candidate)]
    finished = {c.model for c in done}
    missing = [m for m in setup.get("models", []) if m not in finished]
    for i, name in enumerate(missing):
        status = (
            "stopped" if i == 0 else "skipped"
        )  # the first one was running when the budget ran out
        done.append(
            Candidate(name, status, message="the time budget ran out" if timed_out else "not run")
        )
    return setup, done


def ranked(cands: list[Candidate], metric: str) -> list[Candidate]:
    """The candidates that finished, best first by the mean of `metric` (undefined scores last)."""
    from mcp_server.ml.modeling.metrics import higher_is_better

    higher = higher_is_better(metric)

    def key(c: Candidate) -> tuple[int, float]:
        value = c.cv.get(metric, {}).get("mean")
        return (1, 0.0) if value is None else (0, -value if higher else value)

    return sorted((c for c in cands if c.status == "ok"), key=key)


def versus_baseline(cands: list[Candidate], metric: str) -> dict[str, str]:
    """Per finished candidate, whether it beat the comparison's baseline (a forecast's seasonal
    naive, always among a forecast's candidates) on the mean of `metric`, in words; nothing when
    the comparison has no baseline or it did not finish."""
    from mcp_server.ml.modeling.metrics import higher_is_better
    from mcp_server.ml.modeling.registry_series import FORECAST_BASELINE

    done = {c.model: c.cv.get(metric, {}).get("mean") for c in ranked(cands, metric)}
    base = done.get(FORECAST_BASELINE)
    if base is None:
        return {}
    higher = higher_is_better(metric)
    out = {FORECAST_BASELINE: f"the baseline ({metric} {base:.4g})"}
    for model, score in done.items():
        if model == FORECAST_BASELINE:
            continue
        beats = score is not None and (score > base if higher else score < base)
        shown = "undefined" if score is None else f"{score:.4g}"
        said = "beats" if beats else "does not beat"
        out[model] = f"{said} {FORECAST_BASELINE}: {metric} {shown} vs {base:.4g}"
    return out


def record_comparison(
    store: RunStore,
    args: CompareArgs,
    data_rel: str,
    setup: dict[str, Any],
    cands: list[Candidate],
    started_ms: int,
) -> list[str]:
    """One compare run, then one nested run per candidate; [parent, *candidates] in `cands`
    order."""
    metric = setup["metric"]
    experiment = tags.experiment_name(args.spec_id, args.experiment)
    common = {
        tags.SPEC_ID: args.spec_id,
        tags.DATA_PATH: data_rel,
        tags.DATA_SHA256: setup["sha256"],
        tags.DATA_KIND: setup.get("data_kind", tags.DEFAULT_DATA_KIND),
        tags.ROWS: setup["rows"],
        tags.COLUMNS: setup["columns"],
        tags.TARGET: args.target,
        tags.TASK: setup["task"],
        tags.RAN_ON: setup.get("ran_on", "local"),
    }
    parent = store.record(_parent(args, experiment, metric, cands, common, started_ms))
    ids = [parent]
    try:
        for c in cands:
            ids.append(store.record(_candidate(args, experiment, parent, c, common)))
    except BaseException:
        store.delete_runs(ids)
        raise
    return ids


def _parent(
    args: CompareArgs,
    experiment: str,
    metric: str,
    cands: list[Candidate],
    common: dict[str, Any],
    started_ms: int,
) -> RunRecord:
    ok = ranked(cands, metric)
    return RunRecord(
        experiment=experiment,
        run_name=f"compare-{time.strftime('%Y%m%d-%H%M%S')}",
        kind="compare",
        params={
            "models": [c.model for c in cands],
            "cv_folds": args.cv_folds,
            "metric": metric,
            "seed": args.seed,
            "time_budget_s": args.time_budget_s,
        },
        metrics={tags.best_cv(metric): ok[0].cv[metric]["mean"] if ok else None},
        start_ms=started_ms,
        tags={**common, tags.BEST_MODEL: ok[0].model if ok else None},
    )


def _candidate(
    args: CompareArgs, experiment: str, parent: str, c: Candidate, common: dict[str, Any]
) -> RunRecord:
    metrics = {tags.cv(m, s): v[s] for m, v in c.cv.items() for s in tags.CV_STATS}
    return RunRecord(
        experiment=experiment,
        run_name=c.model,
        kind="candidate",
        parent_run_id=parent,
        params={
            "model": c.model,
            "cv_folds": args.cv_folds,
            "user_params": args.params.get(c.model, {}),
        },
        metrics={**metrics, tags.FIT_TIME_S: c.fit_time_s},
        tags={**common, tags.MODEL: c.model, tags.STATUS: c.status, tags.MESSAGE: c.message},
        verdict=Verdict(None, c.status == "ok", c.message or c.status),
    )
