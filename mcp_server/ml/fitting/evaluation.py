"""Evaluate a trained run: on its own holdout or on a new table, with optional k-fold CV,
feature importance and plots. Runs inside a job process; writes only into `staging`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcp_server.core.errors import DataError
from mcp_server.ml.data.schema import GROUP_COLUMN
from mcp_server.ml.fitting.holdout_scoring import holdout_evidence, predict_both, score
from mcp_server.ml.fitting.progress import Progress, no_progress
from mcp_server.ml.modeling.dataset import check_classes

EVAL_STEPS = 5
PERMUTATION_ROWS = 2000
PERMUTATION_REPEATS = 5
TOP_FEATURES = 10


@dataclass
class EvaluateRequest:
    # model.joblib from the workspace's own run store (signed: mcp_server/safety/signing.py)
    model_path: str
    schema: dict[str, Any]
    data_path: str
    staging: str
    model: str
    params: dict[str, Any] = field(default_factory=dict)
    holdout_index: str | None = None  # .npy of row positions; None = every row of data_path
    expected_sha256: str | None = None
    cv_folds: int | None = None
    trusted: bool = False  # load an unsigned pickle anyway (the caller said so)
    seed: int = 42
    plots: bool = True
    cache: str | None = None  # folder of cached schemas (see `dataset.prepare`)
    trained_on: str | None = None  # the run's training table, to find evaluation rows it trained on
    trained_holdout: str | None = (
        None  # .npy of that table's holdout rows (the rest were trained on)
    )
    kind: str | None = None  # the kind of data the caller or the run's SPEC names
    kind_options: dict[str, Any] = field(default_factory=dict)
    target_prior: dict[str, Any] = field(default_factory=dict)  # the run's, for the baseline


@dataclass
class EvaluateOutcome:
    task: str
    rows: int
    metrics: dict[str, Any]
    confusion: list[list[int]] | None
    labels: list[str]
    cv: dict[str, dict[str, float | None]] | None
    importance: list[tuple[str, float]]
    importance_method: str | None
    plots: dict[str, str]
    small_plots: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)  # `holdout_stats.evidence`


def _rows(req: EvaluateRequest, schema: Any) -> tuple[Any, Any]:
    """The evaluation rows: the run's holdout of its own file, or every labelled row of a new
    one."""
    import numpy as np

    from mcp_server.ml.data.kinds.registry import kind_for
    from mcp_server.ml.modeling.preprocess import coerce_frame, encode_target

    path = Path(req.data_path)
    kind = kind_for(path, req.kind, req.kind_options)
    if req.holdout_index and req.expected_sha256 and kind.fingerprint(path) != req.expected_sha256:
        raise DataError(
            f"{path.name} changed since the run was trained, so its holdout rows are gone; "
            "pass data_path to evaluate on the file as it is now"
        )
    frame = kind.read(path)
    if schema.target not in frame.columns:
        raise DataError(
            f"{path.name} has no target column {schema.target!r}; evaluation needs labelled rows: "
            "give data_path a table that has it"
        )
    if req.holdout_index:
        frame = frame.iloc[np.load(req.holdout_index)]
    frame = frame.loc[frame[schema.target].notna()]
    if frame.empty:
        raise DataError(
            f"{path.name} has no rows with a value in {schema.target!r}; give data_path "
            "labelled rows"
        )
    return coerce_frame(frame, schema), encode_target(frame[schema.target], schema)


def overlap_warning(req: EvaluateRequest, schema: Any, X: Any) -> str | None:
    """Say how many evaluation rows the model was trained on: their metrics are inflated."""
    import numpy as np
    import pandas as pd

    from mcp_server.ml.data.kinds.registry import kind_for
    from mcp_server.ml.modeling.preprocess import coerce_frame

    if req.holdout_index or not req.trained_on or not Path(req.trained_on).is_file() or not len(X):
        return None
    trained = kind_for(Path(req.trained_on), req.kind, req.kind_options).read(Path(req.trained_on))
    trained = (
        trained.loc[trained[schema.target].notna()] if schema.target in trained.columns else trained
    )
    if req.trained_holdout:
        keep = np.ones(len(trained), dtype=bool)
        keep[np.load(req.trained_holdout)] = False
        trained = trained.iloc[keep]
    seen = set(pd.util.hash_pandas_object(coerce_frame(trained, schema), index=False).tolist())
    hits = int(pd.util.hash_pandas_object(X, index=False).isin(seen).sum())
    if not hits:
        return None
    return (
        f"{hits} of {len(X)} evaluation rows ({100 * hits / len(X):.1f}%) are rows the "
        "model was trained on: "
        "these metrics are inflated. Evaluate on the run's holdout (omit data_path) or on new rows."
    )


def evaluate_job(req: EvaluateRequest, progress: Progress = no_progress) -> EvaluateOutcome:
    from mcp_server.ml.data.schema import Schema
    from mcp_server.ml.fitting.kind_hint import hinted_kind
    from mcp_server.ml.modeling.forecast.scoring import forecast_metrics
    from mcp_server.safety.signing import load_pickle

    schema = Schema.from_dict(req.schema)
    progress(1, "loading the model and the data")
    path = Path(req.model_path)
    model = load_pickle(path, what="the run's model", trusted=req.trusted, folder=path.parent)
    X, y = _rows(req, schema)
    found = overlap_warning(req, schema, X)
    progress(2, f"scoring {len(y):,} rows")
    pred, proba = predict_both(model, X, schema.task)
    metrics, matrix = score(schema.task, y, pred, proba, len(schema.classes))
    metrics.update(forecast_metrics(model, X, y, pred))
    labels = [str(c) for c in schema.classes]
    evidence = holdout_evidence(schema, (y, pred, proba), metrics, req.target_prior)
    progress(3, "feature importance")
    names, values, method = importance(model, X, y, schema, req.seed)
    plots: dict[str, str] = {}
    smalls: dict[str, str] = {}
    if req.plots:
        progress(4, "drawing plots")
        drawn = {"y_true": y, "y_pred": pred, "proba": proba, "labels": labels, "matrix": matrix}
        plots, smalls = _draw(req, schema, drawn, (names, values, method) if names else None, X)
        _draw_forecast(req, model, X, y, plots, smalls)
    cv = None
    if req.cv_folds:
        progress(5, f"{req.cv_folds}-fold cross-validation")
        cache = Path(req.cache) if req.cache else None
        kind = hinted_kind(req.data_path, req.kind, req.kind_options)
        cv = cross_validate_model(
            req.data_path, schema, req.model, req.params, req.cv_folds, req.seed, cache, kind
        )[0]
    top = list(zip(names, values, strict=True))[:TOP_FEATURES]
    return EvaluateOutcome(
        task=schema.task,
        rows=len(y),
        metrics=metrics,
        confusion=matrix,
        labels=labels,
        cv=cv,
        importance=top,
        importance_method=method if names else None,
        plots=plots,
        small_plots=smalls,
        warnings=[found] if found else [],
        evidence=evidence,
    )


def _draw(
    req: EvaluateRequest, schema: Any, drawn: dict[str, Any], ranked: Any, X: Any
) -> tuple[dict[str, str], dict[str, str]]:
    """The task's plots (and their small copies), and an image model's misclassified images."""
    from mcp_server.ml.fitting import plots as drawing
    from mcp_server.ml.fitting.image_plots import misclassified_plot

    plots, smalls = drawing.render(
        schema.task, {**drawn, "importance": ranked}, Path(req.staging), small=True
    )
    wrong = (schema, X, drawn["y_true"], drawn["y_pred"], drawn["labels"], Path(req.staging))
    return plots | misclassified_plot(*wrong), smalls


def _draw_forecast(
    req: EvaluateRequest, model: Any, X: Any, y: Any, plots: dict[str, str], smalls: dict[str, str]
) -> None:
    """A forecasting model's history, forecast and interval for a few series (nothing for other
    models)."""
    from mcp_server.ml.fitting.forecast_plot import forecast_png

    folder = Path(req.staging)
    if forecast_png(model, X, y, folder / "forecast.png"):
        plots["forecast"] = "forecast.png"
        forecast_png(model, X, y, folder / "forecast_small.png", small=True)
        smalls["forecast"] = "forecast_small.png"


def importance(
    model: Any, X: Any, y: Any, schema: Any, seed: int
) -> tuple[list[str], list[float], str]:
    """The model's own importances (trees: impurity; linear: |coef|), else permutation
    importance."""
    import numpy as np

    estimator = model.named_steps["model"] if hasattr(model, "named_steps") else model
    own = getattr(estimator, "feature_importances_", None)
    method = "model"
    if own is None and hasattr(estimator, "coef_"):
        coef = np.abs(np.asarray(estimator.coef_, dtype=float))
        own = coef.mean(axis=0) if coef.ndim > 1 else coef
        method = "|coefficient| (scaled inputs)"
    if own is not None:
        try:
            names = [str(n) for n in model.named_steps["preprocess"].get_feature_names_out()]
        except Exception:
            names = [f"feature_{i}" for i in range(len(own))]
        if len(names) != len(own):
            names = [f"feature_{i}" for i in range(len(own))]
        values = np.asarray(own, dtype=float)
    else:
        names, values = _permutation(model, X, y, schema, seed)
        method = "permutation"
    order = np.argsort(-values)
    return [names[i] for i in order], [round(float(values[i]), 6) for i in order], method


def _permutation(model: Any, X: Any, y: Any, schema: Any, seed: int) -> tuple[list[str], Any]:
    from sklearn.inspection import permutation_importance

    from mcp_server.ml.modeling.metrics import PRIMARY
    from mcp_server.ml.modeling.metrics_spec import get_metric

    if len(y) > PERMUTATION_ROWS:
        import numpy as np

        pick = np.random.default_rng(seed).choice(len(y), PERMUTATION_ROWS, replace=False)
        X, y = X.iloc[pick], y[pick]
    primary = PRIMARY[schema.task]
    scoring = get_metric(primary).scorer(schema.task)
    if primary == "roc_auc" and not hasattr(model, "predict_proba"):
        scoring = "accuracy"
    result = permutation_importance(
        model, X, y, n_repeats=PERMUTATION_REPEATS, random_state=seed, scoring=scoring
    )
    return list(X.columns), result.importances_mean


def cross_validate_model(
    data: str | Any,
    schema: Any,
    model: str,
    params: dict[str, Any],
    folds: int,
    seed: int,
    cache: Path | None = None,
    kind: Any = None,
) -> tuple[dict[str, dict[str, float | None]], float]:
    """k-fold CV of a fresh pipeline on the folds of the data's kind (tables: stratified for
    classes): ({metric: {mean, std}}, mean fit s).

    `data` is a file path (the whole dataset) or a `Prepared`."""
    import warnings

    from sklearn.model_selection import cross_validate

    from mcp_server.ml.modeling.dataset import prepare
    from mcp_server.ml.modeling.metrics import cv_summary, scorers_for
    from mcp_server.ml.modeling.preprocess import build_pipeline

    if isinstance(data, str):
        dropped = [name for name, why in schema.dropped.items() if why == "drop list"]
        group = next((n for n, why in schema.dropped.items() if why == GROUP_COLUMN), None)
        data = prepare(Path(data), schema.target, schema.task, dropped, cache, kind, group)
        schema = data.schema
    check_classes(data.y, schema, folds, f"{folds}-fold stratified cross-validation")
    if len(data.y) < folds * 2:
        raise DataError(
            f"{len(data.y)} rows are too few for {folds}-fold cross-validation; lower cv_folds "
            "or give data_path more rows"
        )
    scorers = scorers_for(schema.task, forecast=bool(schema.roles))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = cross_validate(
            build_pipeline(schema, model, params, seed),
            data.X,
            data.y,
            cv=data.kind.folds(schema.task, folds, seed, data.groups),
            scoring=scorers,
            error_score="raise",
        )
    return cv_summary(scores, list(scorers)), float(scores["fit_time"].mean())
