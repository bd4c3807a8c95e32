"""Cross-validation inside a search: folds preprocessed once, then only estimators are fitted.

The preprocessor (impute, one-hot, date parts, tf-idf; no scaling) is fitted per fold once;
every trial then fits its estimator on the cached fold matrices. Models that need scaled inputs
get a StandardScaler in front of them, so what is cross-validated is exactly what is refitted.
Boosters stop early, as the registry's `early_stop` says: on their own validation share
("own_validation"), or on a 10 % split of the training fold through a parameter ("rounds_param")
or a callback ("rounds_callback"); a refit of the latter two uses the mean best round count of the
folds. A family that takes the rows as they are (`preprocess.takes_raw_rows`: a forecaster, a text
network, any family on images) is fitted per fold as `ml_train` builds it, on the fold's rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mcp_server.ml.tuning.scoring import Scorer

EARLY_STOP_ROUNDS = 30
MAX_ROUNDS = 2000
HGB_MAX_ITER = 1000
ES_SHARE = 0.1
ROUNDS = ("rounds_param", "rounds_callback")  # early stops that count boosting rounds


class OutOfTime(Exception):
    """The next fold would not finish before the search deadline."""


@dataclass
class Folds:
    scorer: Scorer
    y: Any
    parts: list[tuple[Any, Any, Any, Any]]  # (train idx, valid idx, X train, X valid)
    seed: int
    preprocess_s: float = 0.0
    roles: dict[str, Any] = field(default_factory=dict)  # a forecast's: the rows, not matrices
    schema: Any = None  # the data's schema: which families take the rows as they are
    rows: Any = None  # the rows themselves (`X`), for those families


@dataclass
class CvScore:
    scores: list[float]
    oof: Any
    fit_s: float
    rounds: int | None = None
    fold_s: list[float] = field(default_factory=list)

    @property
    def mean(self) -> float:
        return float(sum(self.scores) / len(self.scores))

    @property
    def std(self) -> float:
        import numpy as np

        return float(np.std(self.scores))


def make_folds(data: Any, folds: int, seed: int, scorer: Scorer) -> Folds:
    """Split by the data's kind (`data.kind.folds`; tables: stratified for classes; series:
    rolling origin) and preprocess each fold once (a forecast's and an image folder's folds keep
    the rows: every family of theirs reads them as they are)."""
    import warnings

    from sklearn.base import clone

    from mcp_server.ml.modeling.preprocess import build_preprocessor

    started = time.perf_counter()
    base = build_preprocessor(data.schema, scale=False)
    parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cv = data.kind.folds(data.schema.task, folds, seed, data.groups)
        for tr, va in cv.split(data.X, data.y):
            if data.schema.roles or data.schema.of_kind("image"):
                parts.append((tr, va, data.X.iloc[tr], data.X.iloc[va]))
                continue
            pre = clone(base).fit(data.X.iloc[tr], data.y[tr])
            parts.append((tr, va, pre.transform(data.X.iloc[tr]), pre.transform(data.X.iloc[va])))
    spent = time.perf_counter() - started
    return Folds(scorer, data.y, parts, seed, spent, dict(data.schema.roles), data.schema, data.X)


def build(
    family: str, task: str, params: dict[str, Any], seed: int, rounds: int | None = None
) -> Any:
    """The estimator of one configuration (with early stopping, and a scaler where the model needs
    one)."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from mcp_server.ml.modeling.catalog import get_spec
    from mcp_server.ml.modeling.estimators import make_estimator

    params = dict(params)
    stop = get_spec(family).early_stop
    if stop == "own_validation":
        params = {
            "max_iter": HGB_MAX_ITER,
            "early_stopping": True,
            "n_iter_no_change": EARLY_STOP_ROUNDS,
            "validation_fraction": ES_SHARE,
            **params,
        }
    elif stop in ROUNDS and "n_estimators" not in params:
        params["n_estimators"] = rounds or MAX_ROUNDS
    estimator = make_estimator(family, task, params, seed)
    return (
        make_pipeline(StandardScaler(), estimator) if get_spec(family).needs_scaling else estimator
    )


def fit(
    estimator: Any, family: str, X: Any, y: Any, seed: int, early_stop: bool = True
) -> int | None:
    """Fit; boosters with early stopping on a split of `X`. Returns the rounds used (boosters)."""
    from mcp_server.ml.modeling.catalog import get_spec

    stop = get_spec(family).early_stop
    if stop not in ROUNDS or not early_stop:
        estimator.fit(X, y)
        return int(getattr(estimator, "n_iter_", 0)) or None
    tr, es = _inner_split(y, seed)
    if stop == "rounds_param":
        estimator.set_params(early_stopping_rounds=EARLY_STOP_ROUNDS)
        estimator.fit(X[tr], y[tr], eval_set=[(X[es], y[es])], verbose=False)
        return int(estimator.best_iteration) + 1
    import lightgbm

    estimator.fit(
        X[tr],
        y[tr],
        eval_set=[(X[es], y[es])],
        callbacks=[lightgbm.early_stopping(EARLY_STOP_ROUNDS, verbose=False)],
    )
    return int(estimator.best_iteration_ or estimator.n_estimators)


def _inner_split(y: Any, seed: int) -> tuple[Any, Any]:
    import numpy as np
    from sklearn.model_selection import train_test_split

    index = np.arange(len(y))
    stratify = y if y.dtype.kind in "iu" and np.bincount(y).min(initial=0) >= 2 else None
    try:
        return tuple(
            train_test_split(index, test_size=ES_SHARE, random_state=seed, stratify=stratify)
        )  # type: ignore[return-value]
    except ValueError:
        return tuple(train_test_split(index, test_size=ES_SHARE, random_state=seed))  # type: ignore[return-value]


def predict(estimator: Any, X: Any, task: str, n_classes: int) -> Any:
    """Probabilities (classes) or values (regression)."""
    import numpy as np

    if task == "regression":
        return np.asarray(estimator.predict(X), dtype=float)
    if hasattr(estimator, "predict_proba"):
        return np.asarray(estimator.predict_proba(X), dtype=float)
    return np.eye(n_classes)[np.asarray(estimator.predict(X), dtype=int)]


def cross_val(
    folds: Folds,
    family: str,
    params: dict[str, Any],
    *,
    deadline: float | None = None,
    on_fold: Callable[[int, float], None] | None = None,
) -> CvScore:
    """Score one configuration on every fold; `on_fold` may raise to prune; stops before a fold that
    would end past `deadline` (estimated from the folds done)."""
    import warnings

    import numpy as np

    from mcp_server.ml.modeling.catalog import get_spec
    from mcp_server.ml.modeling.preprocess import takes_raw_rows

    raw = folds.schema is not None and takes_raw_rows(folds.schema, family)
    scorer = folds.scorer
    n = len(folds.y)
    oof = np.zeros(n) if scorer.task == "regression" else np.zeros((n, scorer.n_classes))
    result = CvScore([], oof, 0.0)
    rounds = []
    for i, (tr, va, X_tr, X_va) in enumerate(folds.parts):
        if deadline is not None and result.fold_s and time.time() + max(result.fold_s) > deadline:
            raise OutOfTime(f"fold {i + 1} would end past the deadline")
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if folds.roles:  # a forecaster on the fold's rows, scaled by its own training part
                out, value, used = _forecast_fold(folds, family, params, folds.parts[i])
            elif raw:  # a text or image network on the fold's rows, its own early stopping
                out, value, used = _raw_fold(folds, family, params, tr, va)
            else:
                estimator = build(family, scorer.task, params, folds.seed)
                used = fit(estimator, family, X_tr, folds.y[tr], folds.seed)
                out = predict(estimator, X_va, scorer.task, scorer.n_classes)
                value = scorer.value(folds.y[va], out)
        result.fold_s.append(time.perf_counter() - started)
        if used:
            rounds.append(used)
        oof[va] = out
        result.scores.append(value)
        if on_fold is not None:
            on_fold(i, result.scores[-1])
    result.fit_s = float(np.mean(result.fold_s))
    by_rounds = get_spec(family).early_stop in ROUNDS
    result.rounds = int(np.mean(rounds) * 1.1) if rounds and by_rounds else None
    return result


def _forecast_fold(
    folds: Folds, family: str, params: dict[str, Any], part: tuple[Any, Any, Any, Any]
) -> tuple[Any, float, None]:
    """A forecasting family (`takes_rows`) fitted on a fold's training rows with the kind's
    roles, as `ml_train` builds it; its predictions of the validation window and their score."""
    import numpy as np

    from mcp_server.ml.modeling.estimators import make_estimator

    tr, va, X_tr, X_va = part
    estimator = make_estimator(family, folds.scorer.task, {**folds.roles, **params}, folds.seed)
    estimator.fit(X_tr, folds.y[tr])
    out = np.asarray(estimator.predict(X_va), dtype=float)
    return out, folds.scorer.of_forecast(estimator, X_va, folds.y[va], out), None


def _raw_fold(
    folds: Folds, family: str, params: dict[str, Any], tr: Any, va: Any
) -> tuple[Any, float, None]:
    """A family that reads the rows as they are (raw strings, image files), built as `ml_train`
    builds it and fitted on the fold's training rows; its predictions and score on the fold's
    validation rows."""
    from mcp_server.ml.modeling.preprocess import build_pipeline

    scorer = folds.scorer
    pipeline = build_pipeline(folds.schema, family, params, folds.seed)
    pipeline.fit(folds.rows.iloc[tr], folds.y[tr])
    out = predict(pipeline, folds.rows.iloc[va], scorer.task, scorer.n_classes)
    return out, scorer.value(folds.y[va], out), None
