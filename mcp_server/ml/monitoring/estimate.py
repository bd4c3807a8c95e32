"""Classifier performance without labels, the way NannyML's CBPE estimates it.

The model's probabilities are calibrated on the labelled training holdout (isotonic regression,
one-vs-rest per class); a calibrated probability is then the chance that a prediction is right,
so every cell of the confusion matrix has an expected value on unlabelled rows, and so do
accuracy, precision, recall, F1 and ROC AUC (expected true/false positive rates per threshold).
The estimate holds while the relation between features and target stays as it was (no concept
drift); results say it is an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ESTIMABLE = (
    "accuracy",
    "roc_auc",
    "f1",
    "precision",
    "recall",
    "f1_macro",
    "precision_macro",
    "recall_macro",
)


@dataclass
class Calibrators:
    models: list[Any]  # one isotonic regressor per class (binary: the positive class only)
    n_classes: int


def fit_calibrators(y: Any, proba: Any, n_classes: int) -> Calibrators:
    """Isotonic maps from the model's probability to the observed frequency, on labelled rows."""
    import numpy as np
    from sklearn.isotonic import IsotonicRegression

    classes = [1] if n_classes == 2 else list(range(n_classes))
    models = []
    for k in classes:
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        iso.fit(np.asarray(proba)[:, k], (np.asarray(y) == k).astype(float))
        models.append(iso)
    return Calibrators(models=models, n_classes=n_classes)


def calibrated(cal: Calibrators, proba: Any) -> Any:
    """Calibrated class probabilities (rows sum to one)."""
    import numpy as np

    proba = np.asarray(proba, dtype=float)
    if cal.n_classes == 2:
        positive = cal.models[0].predict(proba[:, 1])
        return np.column_stack([1 - positive, positive])
    out = np.column_stack([m.predict(proba[:, k]) for k, m in enumerate(cal.models)])
    totals = out.sum(axis=1, keepdims=True)
    return np.where(totals > 0, out / np.where(totals > 0, totals, 1), 1.0 / cal.n_classes)


def _expected_counts(p: Any, predicted: Any) -> tuple[float, float, float, float]:
    """Expected (TP, FP, FN, TN) of one class given its calibrated probability p."""
    import numpy as np

    hit = np.asarray(predicted, dtype=bool)
    return (
        float(p[hit].sum()),
        float((1 - p[hit]).sum()),
        float(p[~hit].sum()),
        float((1 - p[~hit]).sum()),
    )


def _prf(tp: float, fp: float, fn: float) -> tuple[float | None, float | None, float | None]:
    precision = tp / (tp + fp) if tp + fp > 0 else None
    recall = tp / (tp + fn) if tp + fn > 0 else None
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn > 0 else None
    return precision, recall, f1


def _auc(p: Any, score: Any) -> float | None:
    """Area under the expected ROC curve: thresholds at every score, expected TPR/FPR."""
    import numpy as np

    order = np.argsort(-np.asarray(score), kind="stable")
    p, score = np.asarray(p)[order], np.asarray(score)[order]
    positives, negatives = p.sum(), (1 - p).sum()
    if positives <= 0 or negatives <= 0:
        return None
    last = np.r_[np.flatnonzero(np.diff(score)), len(score) - 1]  # one point per distinct threshold
    tpr = np.r_[0.0, np.cumsum(p)[last] / positives]
    fpr = np.r_[0.0, np.cumsum(1 - p)[last] / negatives]
    return float(np.trapezoid(tpr, fpr))


def estimate(cal: Calibrators, proba: Any, pred: Any) -> dict[str, float | None]:
    """Expected metrics on unlabelled rows from their (uncalibrated) probabilities and
    predictions."""
    import numpy as np

    probs = calibrated(cal, proba)
    pred = np.asarray(pred)
    n = len(pred)
    out: dict[str, float | None] = {
        "accuracy": float(probs[np.arange(n), pred].mean()) if n else None
    }
    per_class = []
    for k in range(cal.n_classes):
        tp, fp, fn, _ = _expected_counts(probs[:, k], pred == k)
        per_class.append((*_prf(tp, fp, fn), _auc(probs[:, k], np.asarray(proba)[:, k])))
    if cal.n_classes == 2:
        out["precision"], out["recall"], out["f1"], out["roc_auc"] = per_class[1]
        return out
    for i, name in enumerate(("precision_macro", "recall_macro", "f1_macro", "roc_auc")):
        values = [float(v) for c in per_class if (v := c[i]) is not None]
        out[name] = float(np.mean(values)) if values else None
    return out
