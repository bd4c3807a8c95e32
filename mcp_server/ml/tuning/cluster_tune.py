"""`ml_tune` of a partitioned dataset on the Dask cluster (the job `tune_run.prepare_tune` picks
for a folder of Parquet files or a CSV glob, on the cluster the SPEC's `cluster:` or
`MOAI_ML_CLUSTER` names): the holdout the cluster training keeps (a hash of the row or of the
SPEC's group column, the SPEC's test_size, else ml_train's 0.2) stays out of the search; the
search (`cluster_search`) cross-validates on k hash-drawn folds of the other rows; the best trial
is refitted on those rows on the cluster and scored on the holdout by `cluster_train`'s own fit
(`fit_and_stage`), so the run is an ordinary model file, recorded like a local tune (with the
holdout's rule, which `ml_evaluate` reads). Families without a Dask estimator are refused in the
server, by name."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.fitting.progress import Progress, no_progress

if TYPE_CHECKING:
    from mcp_server.ml.capability import Call
    from mcp_server.ml.data.partitioned import Partitioned
    from mcp_server.ml.tuning.job import TuneOutcome

HOLDOUT = 0.2  # ml_train's test_size: the cluster training's holdout, kept by a tune without SPEC
STRATEGIES = ("auto", "optuna", "random")


@dataclass
class ClusterTuneRequest:
    files: list[str]
    fingerprint: str
    target: str
    models: list[str]  # each with a Dask estimator (checked in the server)
    engine: str
    staging: str
    storage: str
    study_name: str
    deadline: float  # time.time() after which no fold starts
    strategy: str = "auto"
    search_space: dict[str, dict[str, Any]] = field(default_factory=dict)
    metric: str | None = None
    task: str = "auto"
    drop: list[str] = field(default_factory=list)
    cv_folds: int = 5
    seed: int = 42
    n_trials: int | None = None
    test_size: float = HOLDOUT
    group: str | None = None


def cluster_tune_request(call: Call[Any], url: str) -> tuple[ClusterTuneRequest, Partitioned]:
    """In the server: the engine, the partitions, the families (named ones refused by name when
    they have no Dask estimator; by default every installed family that has one) and the job's
    request (its `study_name` set by the caller, `tune_run.prepare_tune`)."""
    from mcp_server.ml.data.partitioned import fingerprint
    from mcp_server.ml.fitting.where import cluster_dataset, cluster_model, fit_engine
    from mcp_server.ml.modeling.catalog import cluster_families

    args = call.request
    if args.strategy not in STRATEGIES:
        raise MoaiMlError(
            f"strategy {args.strategy!r} does not search on a Dask cluster; pass strategy= "
            f"{' or '.join(STRATEGIES)}, or tune one table file as data_path="
        )
    engine = fit_engine(call.workspace, args.spec_id)
    dataset = cluster_dataset(call.workspace, str(args.data_path), engine)
    if args.models:
        models = [cluster_model(m, args.task) for m in args.models]
    else:
        models = cluster_families("regression" if args.task == "regression" else "binary")
        models = models or [cluster_model("auto", args.task)]  # refused: none installed
    budget = args.time_budget_s
    request = ClusterTuneRequest(
        files=[str(f) for f in dataset.files],
        fingerprint=fingerprint(dataset),
        target=str(args.target),
        models=models,
        engine=engine,
        staging=str(call.folder),
        storage=url,
        study_name="",
        deadline=call.started + budget - _reserve(budget),
        strategy=args.strategy,
        search_space=args.search_space,
        metric=args.metric,
        task=args.task,
        drop=list(args.drop),
        cv_folds=args.cv_folds,
        seed=args.seed,
        n_trials=args.n_trials,
        test_size=args.test_size or HOLDOUT,
        group=args.group_column,
    )
    return request, dataset


def _reserve(budget: float) -> float:
    from mcp_server.ml.tuning.job import reserve

    return reserve(budget)


def cluster_tune_job(req: ClusterTuneRequest, progress: Progress = no_progress) -> TuneOutcome:
    """The search and the refit, on the cluster; files land in `req.staging` only."""
    import dask.dataframe

    from mcp_server.ml.cluster.engine import open_engine
    from mcp_server.ml.data.partitioned import empty_like
    from mcp_server.ml.data.partitioned_profile import read_file
    from mcp_server.ml.fitting.cluster_folds import FoldCache
    from mcp_server.ml.fitting.cluster_train import cluster_table, fit_and_stage
    from mcp_server.ml.tuning.cluster_outcome import outcome

    dd: Any = dask.dataframe  # Dask ships no type hints for these
    with open_engine(req.engine) as (_client, where):
        progress(0, f"profiling {len(req.files)} partitions on {where.describe()}")
        frame = dd.from_map(read_file, req.files, meta=empty_like(req.files[0]))
        table = cluster_table(_train_request(req, req.models[0], {}), frame)
        search, study = _search(req, FoldCache(frame, table), progress)
        started = time.time()
        try:
            search.run(study, req.strategy)
        finally:
            search.cache.release()  # the workers' memory is the refit's
        search_s = time.time() - started
        best = _best(study, search)
        progress(90, f"refitting {best['family']} on the training rows on {where.describe()}")
        trained = fit_and_stage(
            _train_request(req, best["family"], best["params"]),
            frame,
            table,
            where,
            lambda step, message, *event: progress(90 + step, message),
        )
    return outcome(req, study, search, best, trained, search_s)


def _search(req: ClusterTuneRequest, cache: Any, progress: Progress) -> Any:
    """The search's shared state (its folds prepared once, in `cache`) and its study (the
    product's spaces, sampler and pruner)."""
    from mcp_server.ml.data.hash_split import Fold
    from mcp_server.ml.modeling.metrics import check_metric, higher_is_better
    from mcp_server.ml.tuning.cluster_search import ClusterSearch
    from mcp_server.ml.tuning.search import pruner_for, sampler_for
    from mcp_server.ml.tuning.spaces import check_overrides, model_space
    from mcp_server.ml.tuning.storage import open_storage, open_study

    table = cache.table
    task = table.schema.task
    metric = check_metric(task, req.metric)
    check_overrides(req.search_space, req.models)
    spaces = {f: model_space(f, task, req.search_space.get(f)) for f in req.models}
    folds = Fold.all_of(table.split.columns, req.seed, req.cv_folds, reserved=req.test_size)
    search = ClusterSearch(
        cache=cache,
        folds=folds,
        spaces=spaces,
        metric=metric,
        deadline=req.deadline,
        train_request=lambda family, params: _train_request(req, family, params),
        progress=progress,
        n_trials=req.n_trials,
    )
    direction = "maximize" if higher_is_better(metric) else "minimize"
    sampler, pruner = sampler_for(req.strategy, req.seed), pruner_for(req.strategy)
    study = open_study(open_storage(req.storage), req.study_name, direction, sampler, pruner)
    progress(2, f"searching {', '.join(req.models)} on {req.cv_folds} hash-drawn folds")
    return search, study


def _best(study: Any, search: Any) -> dict[str, Any]:
    """The best finished trial of the searched families: its family, parameters (sampled values
    and the space's fixed ones), mean and std over the folds, number."""
    import optuna

    from mcp_server.ml.tuning.automl import member_of

    done = [
        t
        for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        if t.params.get("model") in search.spaces
    ]
    if not done:
        errors = [t.user_attrs["error"] for t in study.get_trials() if "error" in t.user_attrs]
        raise MoaiMlError(
            f"every trial failed on the cluster (last: {errors[-1]}); check the search space "
            "and the workers"
            if errors
            else "no trial finished on the cluster within time_budget_s; raise time_budget_s or "
            "lower cv_folds"
        )
    sign = 1.0 if study.direction == optuna.study.StudyDirection.MAXIMIZE else -1.0
    best = max(done, key=lambda t: sign * float(t.value))
    member = member_of(best, search.spaces)
    return {
        "family": member.family,
        "params": member.params,
        "mean": float(best.value),
        "std": float(best.user_attrs.get("std", 0.0)),
        "trial": best.number,
    }


def _train_request(req: ClusterTuneRequest, family: str, params: dict[str, Any]) -> Any:
    """A fit of `family` with `params` on the cluster, as `ml_train` asks one (the holdout's share
    and rule: the search's)."""
    from mcp_server.ml.fitting.cluster_train import ClusterTrainRequest

    return ClusterTrainRequest.for_fit(req, family, params, test_size=req.test_size)


__all__ = ["HOLDOUT", "ClusterTuneRequest", "cluster_tune_job", "cluster_tune_request"]
