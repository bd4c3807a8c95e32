"""A booster trained on the Dask cluster and brought back as the ordinary estimator of its family
(`LGBMClassifier`, `XGBClassifier`, ...), the one a single-machine fit makes: the registry's
defaults and the caller's params, built by `make_estimator` and handed to the family's Dask class
(`EstimatorSpec.dask_classifier`/`dask_regressor`) unchanged."""

from __future__ import annotations

import importlib
import tempfile
from pathlib import Path
from typing import Any

from mcp_server.core.errors import MoaiMlError


def dask_estimator(model: str, task: str, local: Any) -> Any:
    """The family's Dask estimator with the local estimator's params; it trains on the Dask
    client open around the call (the default client, `cluster.engine.open_engine`)."""
    from mcp_server.ml.modeling.catalog import dask_class_path

    module, name = dask_class_path(model, task).split(":")
    cls = getattr(importlib.import_module(module), name)
    params = local.get_params(deep=False)
    return cls(**params)


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
        return estimator.to_local()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "booster.json"
        estimator.save_model(path)
        local.load_model(path)
    return local


__all__ = ["dask_estimator", "fit_on_cluster"]
