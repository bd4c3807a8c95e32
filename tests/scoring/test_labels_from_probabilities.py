"""A classifier whose `predict` is the argmax of its probabilities is asked once, for the
probabilities, and its labels read off them: they equal its own `predict` on every row; any other
classifier still predicts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from mcp_server.ml.fitting.holdout_scoring import predict_both
from mcp_server.ml.modeling.catalog import predicts_by_argmax


def _data(classes: int) -> tuple[Any, Any]:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(600, 5))
    y = (X[:, 0] * 2 + X[:, 1] ** 2 + rng.normal(scale=0.7, size=600)).round().astype(int)
    return X, np.clip(y - y.min(), 0, classes - 1)


def _estimators() -> list[Any]:
    from lightgbm import LGBMClassifier
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        GradientBoostingClassifier,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
    )
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from xgboost import XGBClassifier

    return [
        make_pipeline(StandardScaler(), HistGradientBoostingClassifier(max_iter=30)),
        RandomForestClassifier(n_estimators=20, random_state=0),
        ExtraTreesClassifier(n_estimators=20, random_state=0),
        LGBMClassifier(n_estimators=30, verbose=-1),
        XGBClassifier(n_estimators=30),
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)),
        GradientBoostingClassifier(n_estimators=20, random_state=0),
        KNeighborsClassifier(n_neighbors=4),  # an even k: ties go to the first class both ways
    ]


@pytest.mark.parametrize("classes", [2, 4])
def test_labels_read_off_the_probabilities_equal_each_argmax_classifiers_own_predict(classes):
    X, y = _data(classes)
    for estimator in _estimators():
        model = estimator.fit(X[:400], y[:400])
        assert predicts_by_argmax(model), model
        pred, proba = predict_both(model, X[400:], "classification")
        np.testing.assert_array_equal(pred, model.predict(X[400:]))
        np.testing.assert_array_equal(proba, model.predict_proba(X[400:]))


def test_a_classifier_whose_predict_is_not_its_argmax_still_predicts():
    from sklearn.svm import SVC

    X, y = _data(2)
    model = SVC(probability=True, random_state=0).fit(X[:400], y[:400])
    assert not predicts_by_argmax(model)
    pred, proba = predict_both(model, X[400:], "classification")
    np.testing.assert_array_equal(pred, model.predict(X[400:]))
    assert proba.shape == (200, 2)


def test_a_classifier_the_registry_does_not_know_is_asked_to_predict():
    from sklearn.tree import DecisionTreeClassifier

    X, y = _data(3)
    model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X[:400], y[:400])
    assert not predicts_by_argmax(model)
    pred, _ = predict_both(model, X[400:], "classification")
    np.testing.assert_array_equal(pred, model.predict(X[400:]))
