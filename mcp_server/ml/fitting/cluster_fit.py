"""A booster trained on the Dask cluster and brought back as the ordinary estimator of its family
(`LGBMClassifier`, `XGBClassifier`, ...), the one a single-machine fit makes: the registry's
defaults and the caller's params, built by `make_estimator` and handed to the family's Dask class
(`EstimatorSpec.dask_classifier`/`dask_regressor`) unchanged, with a bounded network timeout
(`MOAI_ML_CLUSTER_TIMEOUT_S`): a distributed fit whose peer never comes (its job was killed as
the peer's part was about to start) fails then instead of holding its worker for LightGBM's
default two hours."""

from __future__ import annotations

import importlib
import math
import tempfile
from pathlib import Path
from typing import Any

from mcp_server.core.errors import MoaiMlError


def dask_estimator(model: str, task: str, local: Any) -> Any:
    """The family's Dask estimator with the local estimator's params; it trains on the Dask
    client open around the call (the default client, `cluster.engine.open_engine`), its
    collective bounded by `network_timeout`."""
    from mcp_server.ml.modeling.catalog import dask_class_path

    module, name = dask_class_path(model, task).split(":")
    cls = getattr(importlib.import_module(module), name)
    return cls(**local.get_params(deep=False), **network_timeout(cls))


def network_timeout(cls: type) -> dict[str, Any]:
    """The Dask estimator's arguments that bound how long a worker waits for its peers: a
    LightGBM-style estimator's `time_out` (whole minutes, also its sockets' timeout; the class
    brings its booster back with `to_local`), an XGBoost-style one's `coll_cfg` (the tracker's
    bootstrap and every collective operation, in seconds)."""
    import inspect

    from mcp_server.core import settings

    seconds = settings.cluster_timeout_s()
    if "coll_cfg" in inspect.signature(cls).parameters:
        from xgboost.collective import Config

        return {"coll_cfg": Config(timeout=seconds, tracker_timeout=seconds)}
    if hasattr(cls, "to_local"):
        return {TIME_OUT: math.ceil(seconds / 60)}
    return {}


TIME_OUT = "time_out"  # LightGBM's network timeout in minutes; a cluster setting, not the model's


def fit_on_cluster(model: str, task: str, local: Any, X: Any, y: Any) -> Any:
    """`local`, an unfitted estimator, fitted on the cluster's rows: the Dask estimator's booster
    moved into it (LightGBM: `to_local()`; XGBoost: its model file loaded). A worker lost or a
    collective broken mid-fit is one clear error; nothing is returned half-fitted."""
    estimator = dask_estimator(model, task, local)
    try:
        estimator.fit(X, y)
    except MoaiMlError:
        raise
    except Exception as exc:
        text = str(exc).strip().splitlines()
        raise MoaiMlError(
            f"{model} failed on the cluster ({type(exc).__name__}: "
            f"{text[0][:200] if text else ''}); nothing was recorded: check the workers "
            "(dashboard) and call again, or point MOAI_ML_CLUSTER (the SPEC's cluster) at "
            "healthy ones"
        ) from exc
    if hasattr(estimator, "to_local"):
        return _without_timeout(estimator.to_local())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "booster.json"
        estimator.save_model(path)
        local.load_model(path)
    return local


def _without_timeout(fitted: Any) -> Any:
    """The local LightGBM model without the cluster's `time_out`: its params are what a
    single-machine fit records."""
    fitted._other_params.pop(TIME_OUT, None)
    if hasattr(fitted, TIME_OUT):
        delattr(fitted, TIME_OUT)
    return fitted


__all__ = ["dask_estimator", "fit_on_cluster", "network_timeout"]
