"""`ml_tune` in the server, as a capability of the lifecycle driver (`ml/capability.py`): the
typed request, the checks made before a job starts, the job's payload, and the record step.

With `spec_path`, the SPEC decides the table, target, drop list, task, metric, folds, seed and
the holdout: the search and the refit see only the SPEC's training rows, and the winner is
scored on its holdout, so it is judged like `ml_train` and the TDD phases judge theirs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core import layout, names, settings
from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.capability import Call, Plan

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.spec.reader import MlSpec

# The job's own search stops at the budget; a fit it cannot interrupt (one endless trial, the
# refit of the winner) is killed at the budget plus a grace: MOAI_ML_TUNE_GRACE_S (a minute), or a
# quarter of the budget if that is longer.
KILL_GRACE_SHARE = 0.25


def kill_grace_s() -> float:
    """The least grace past the budget, from MOAI_ML_TUNE_GRACE_S (default 60 s)."""
    raw = settings.TUNE_GRACE_S.value()
    try:
        grace = float(raw)
    except ValueError:
        grace = -1.0
    if not 0 <= grace <= 86400:
        raise MoaiMlError(
            f"set {settings.TUNE_GRACE_S.name} to a number of seconds from 0 to 86400 "
            f"(it is {raw!r})"
        )
    return grace


def kill_after_s(budget_s: float) -> float:
    """When a search is killed, inline or as a background job: its budget plus the grace."""
    return budget_s + max(kill_grace_s(), budget_s * KILL_GRACE_SHARE)


@dataclass(frozen=True)
class TuneArgs:
    """`ml_tune`'s arguments, typed; `with_spec` fills the SPEC's fields in."""

    data_path: str | None = None
    target: str | None = None
    strategy: str = "auto"
    models: list[str] | None = None
    search_space: dict[str, Any] = field(default_factory=dict)
    metric: str | None = None
    time_budget_s: float = 300
    n_trials: int | None = None
    cv_folds: int = 5
    task: str = "auto"
    seed: int = 42
    drop: list[str] = field(default_factory=list)
    storage: str | None = None
    study_name: str | None = None
    spec_id: str | None = None
    experiment: str | None = None
    spec_path: str | None = None
    test_size: float | None = None  # the SPEC's holdout (set from the SPEC only)
    kind: str | None = None  # the SPEC's kind of data (None: detected, tables)
    kind_options: dict[str, Any] = field(default_factory=dict)  # its options (a series' horizon)
    group_column: str | None = None  # the SPEC's (set from the SPEC only)


@dataclass(frozen=True)
class TuneFacts:
    """What prepare learned that the record and the answer need."""

    path: Path
    rel: str
    study_name: str
    storage_url: str
    spec: MlSpec | None


def with_spec(workspace: Workspace, args: TuneArgs) -> tuple[TuneArgs, MlSpec | None]:
    """The arguments with the SPEC's fields filled in (`spec_path`), or as given; one of
    `spec_path` or `data_path` and `target` is needed."""
    from mcp_server.ml.data.kinds.registry import DEFAULT
    from mcp_server.ml.data.kinds.timeseries import TIMESERIES
    from mcp_server.ml.spec.reader import load_spec

    if not args.spec_path:
        if not args.data_path or not args.target:
            raise MoaiMlError(
                "ml_tune needs spec_path (a SPEC such as 'ML-001'), or data_path and target"
            )
        return args, None
    spec = load_spec(workspace, args.spec_path)
    if spec.kind not in (None, DEFAULT, TIMESERIES):  # the table's folds: refused, not wrong
        raise MoaiMlError(
            f"ml_tune does not tune {spec.kind} data yet; compare its families with "
            f"ml_compare_models(spec_id={spec.spec_id!r})"
        )
    for name, given, own in (
        ("data_path", args.data_path, spec.dataset),
        ("target", args.target, spec.target),
    ):
        if given and given != own:
            raise MoaiMlError(
                f"{name}={given!r} differs from the SPEC's {own!r}; omit {name} with spec_path"
            )
    filled = replace(
        args,
        data_path=spec.dataset,
        target=spec.target,
        metric=spec.metric,
        task=spec.task,
        drop=list(spec.drop) or list(args.drop),
        cv_folds=spec.cv_folds,
        seed=spec.seed,
        models=args.models or spec.candidates,
        spec_id=spec.spec_id,
        test_size=spec.test_size,
        kind=spec.kind,
        kind_options=dict(spec.kind_options),
        group_column=spec.group_column,
    )
    return filled, spec


def check_tune(workspace: Workspace, args: TuneArgs) -> tuple[Path | None, str]:
    """Everything checkable before a process starts: path, names, spaces, metric, storage; the
    table's path (None for a partitioned dataset, searched on the cluster) and the study's
    storage URL."""
    from mcp_server.ml.fitting.where import partitioned_table
    from mcp_server.ml.modeling.catalog import get_spec
    from mcp_server.ml.modeling.metrics_spec import get_metric
    from mcp_server.ml.tuning.spaces import normalise
    from mcp_server.ml.tuning.storage import check_reachable, study_url

    path = None
    if not partitioned_table(workspace, str(args.data_path), args.kind):
        path = workspace.resolve(str(args.data_path), must_exist=True)
    for name in args.models or []:
        get_spec(name)
    _check_tunable(args.models or [], args.search_space)
    for model, space in args.search_space.items():
        get_spec(model)
        if not isinstance(space, dict) or (not space and args.strategy != "auto"):
            raise MoaiMlError(
                f"search_space[{model!r}] is empty; give parameter ranges, choices or values"
            )
        for param, spec in space.items():
            normalise(model, param, spec)
        _known_parameters(model, space, args.task)
    if args.metric:
        get_metric(args.metric, None if args.task == "auto" else args.task)
    if args.strategy == "hyperopt":
        try:
            import hyperopt  # noqa: F401
        except ImportError:
            raise MoaiMlError(
                "strategy 'hyperopt' needs the 'tune' extra: pip install 'moai-domain-ml[tune]'"
            ) from None
    url = study_url(workspace, args.storage)
    check_reachable(url)
    return path, url


def _check_tunable(models: list[str], search_space: dict[str, Any]) -> None:
    """Refuse, in one line, a search of forecasting families that have nothing to tune (the
    seasonal naive: the baseline every comparison reports)."""
    from mcp_server.ml.modeling.catalog import get_spec
    from mcp_server.ml.modeling.registry import REGISTRY

    def fixed(name: str) -> bool:
        spec = get_spec(name)
        return spec.takes_rows and not spec.search_space and not search_space.get(name)

    if models and all(fixed(m) for m in models):
        tunable = [n for n, s in REGISTRY.items() if s.takes_rows and s.search_space]
        raise MoaiMlError(
            f"{', '.join(models)} has nothing to tune (ml_compare_models reports it as the "
            f"baseline); tune {' or '.join(tunable)}"
        )


def _known_parameters(model: str, space: dict[str, Any], task: str) -> None:
    """Refuse a parameter the model takes for no task (the task is not known yet when it is
    'auto')."""
    from mcp_server.ml.tuning.spaces import model_space

    problems: list[str] = []
    for candidate in ("binary", "regression") if task == "auto" else (task,):
        try:
            model_space(model, candidate, space)
            return
        except Exception as exc:  # a family that does not fit this task fails here too
            problems.append(str(exc))
    named = [p for p in problems if "does not take" in p]
    if named:
        raise MoaiMlError(named[0])


def study_name_for(given: str | None, path: Path) -> str:
    """The study a search runs in: the one named, or a new one (the time and a random suffix:
    two searches of one file started in the same second must not resume each other's study)."""
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", path.stem)[:40]
    return given or names.unique_name(f"tune-{stem}")


def prepare_tune(call: Call[TuneArgs]) -> Plan:
    """The capability's prepare step: the SPEC's fields, the checks, the job's request."""
    from mcp_server.ml.tuning.job import STEPS, TuneRequest

    args, spec = with_spec(call.workspace, call.request)
    call.request = args
    path, url = check_tune(call.workspace, args)
    if path is None:  # a partitioned dataset: searched on the Dask cluster
        return _cluster_plan(call, url, spec)
    facts = TuneFacts(
        path, call.workspace.relative(path), study_name_for(args.study_name, path), url, spec
    )
    budget = args.time_budget_s
    request = TuneRequest(
        data_path=str(path),
        target=str(args.target),
        staging=str(call.folder),
        storage=url,
        study_name=facts.study_name,
        started=call.started,
        time_budget_s=budget,
        strategy=args.strategy,
        models=args.models,
        search_space=args.search_space,
        metric=args.metric,
        task=args.task,
        drop=list(args.drop),
        cv_folds=args.cv_folds,
        seed=args.seed,
        n_trials=args.n_trials,
        cache=str(call.workspace.ensure_dir(layout.SCHEMA_CACHE)),
        test_size=args.test_size,
        kind=args.kind,
        kind_options=dict(args.kind_options),
        group_column=args.group_column,
    )
    grace = kill_after_s(budget) - budget
    what = f"the search (time_budget_s={budget:g} plus {grace:g} s of grace)"
    return Plan(request, kill_after_s(budget), STEPS, what, facts)


def _cluster_plan(call: Call[TuneArgs], url: str, spec: MlSpec | None) -> Plan:
    """The search of a partitioned dataset on the Dask cluster (`cluster_tune`)."""
    from mcp_server.ml.tuning.cluster_tune import cluster_tune_job, cluster_tune_request
    from mcp_server.ml.tuning.job import STEPS

    request, dataset = cluster_tune_request(call, url)
    folder = dataset.files[0].parent
    request.study_name = study_name_for(call.request.study_name, folder)
    facts = TuneFacts(folder, dataset.reference, request.study_name, url, spec)
    budget = call.request.time_budget_s
    what = f"the search on {request.engine} (time_budget_s={budget:g}, then the refit)"
    return Plan(request, kill_after_s(budget), STEPS, what, facts, cluster_tune_job)
