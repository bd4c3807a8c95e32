"""Evaluation plots as PNG files (matplotlib, headless Agg backend).

Each function draws one figure into `path`. `render` draws the set that fits the task and
returns {plot name: file name}; small copies (for MCP image content) are drawn on request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

MAX_CURVES = 10
FULL = ((6.0, 5.0), 100)  # (inches, dpi)
SMALL = ((3.2, 2.8), 80)
# Margins of a full-size plot whose texts have a known size, instead of measuring them
# (`tight_layout`): axes of probabilities (ticks 0.0 to 1.0, the legend inside) and a confusion
# matrix of up to SHORT_CLASSES classes named in up to SHORT_LABEL characters. tests/fitting/
# test_plot_labels.py proves nothing is cut at the image's edge.
UNIT_AXES = {"left": 0.115, "right": 0.97, "bottom": 0.12, "top": 0.92}
MATRIX = {"left": 0.13, "right": 0.97, "bottom": 0.11, "top": 0.93}
SHORT_CLASSES = 5
SHORT_LABEL = 3


def _figure(small: bool) -> tuple[Any, Any]:
    """A figure on its own Agg canvas (no pyplot: nothing registered that must be closed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    inches, dpi = SMALL if small else FULL
    fig = Figure(figsize=inches, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _save(fig: Any, path: Path, margins: dict[str, float] | None = None) -> None:
    """Lay the figure out (`margins`, or `tight_layout` around texts of unknown size), draw it
    and write its pixels as PNG.

    Why not `tight_layout` always, nor `savefig`: tight_layout measures every text a second
    time (a third of a plot's cost), and savefig draws through a format dispatch and zlib's
    default level; on the Agg canvas the pixels are written as they are, at level 1 (the same
    image, a few KiB larger)."""
    from PIL import Image

    if margins is None:
        fig.tight_layout()
    else:
        fig.subplots_adjust(**margins)
    canvas = fig.canvas
    canvas.draw()
    size = canvas.get_width_height()
    pixels = Image.frombuffer("RGBA", size, canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    pixels.convert("RGB").save(path, format="png", compress_level=1)


def confusion_matrix_png(
    matrix: list[list[int]], labels: list[str], path: Path, small: bool = False
) -> None:
    import numpy as np
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, ax = _figure(small)
    shown = [_label(x) for x in labels] if len(labels) <= 20 else None
    display = ConfusionMatrixDisplay(np.asarray(matrix), display_labels=shown)
    rotation: float | str = 45 if small or len(labels) > 5 else "horizontal"
    display.plot(
        ax=ax,
        colorbar=not small,
        values_format="d",
        include_values=len(labels) <= 12,
        xticks_rotation=rotation,
    )
    ax.set_title("Confusion matrix")
    short = len(labels) <= SHORT_CLASSES and all(len(str(x)) <= SHORT_LABEL for x in labels)
    _save(fig, path, MATRIX if short and not small else None)


def _label(text: Any) -> str:
    """A label as the user wrote it: `$` would start matplotlib's mathtext, so it is escaped."""
    return str(text).replace("$", r"\$")


def _positive_axes(ax: Any, labels: list[str], x: str, y: str) -> None:
    """Axis titles in the user's labels (scikit-learn's say 'Positive label: True')."""
    ax.set_xlabel(x)
    suffix = f" (positive class: {_label(labels[1])})" if len(labels) == 2 else " (one-vs-rest)"
    ax.set_ylabel(y + suffix)


def _classes_to_draw(y_true: Any, n_classes: int) -> list[int]:
    """Binary: the positive class; multiclass: each class present in `y_true` (one-vs-rest),
    capped."""
    present = set(y_true.tolist())
    codes = [1] if n_classes == 2 else [c for c in range(n_classes) if c in present]
    return codes[:MAX_CURVES]


def roc_png(y_true: Any, proba: Any, labels: list[str], path: Path, small: bool = False) -> None:
    from sklearn.metrics import RocCurveDisplay

    fig, ax = _figure(small)
    for code in _classes_to_draw(y_true, len(labels)):
        RocCurveDisplay.from_predictions(
            y_true == code, proba[:, code], ax=ax, name=_label(labels[code])
        )
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1)
    _positive_axes(ax, labels, "False positive rate", "True positive rate")
    ax.set_title("ROC curve" if len(labels) == 2 else "ROC curves (one-vs-rest)")
    if small:
        ax.legend(fontsize=6)
    _save(fig, path, None if small else UNIT_AXES)


def pr_png(y_true: Any, proba: Any, labels: list[str], path: Path) -> None:
    from sklearn.metrics import PrecisionRecallDisplay

    fig, ax = _figure(False)
    for code in _classes_to_draw(y_true, len(labels)):
        PrecisionRecallDisplay.from_predictions(
            y_true == code, proba[:, code], ax=ax, name=_label(labels[code])
        )
    _positive_axes(ax, labels, "Recall", "Precision")
    ax.set_title("Precision-recall curve")
    _save(fig, path, UNIT_AXES)


def calibration_png(y_true: Any, proba: Any, labels: list[str], path: Path) -> None:
    from sklearn.calibration import CalibrationDisplay

    fig, ax = _figure(False)
    for code in _classes_to_draw(y_true, len(labels))[:5]:
        CalibrationDisplay.from_predictions(
            y_true == code, proba[:, code], n_bins=10, ax=ax, name=_label(labels[code])
        )
    _positive_axes(ax, labels, "Mean predicted probability", "Fraction of positives")
    ax.set_title("Calibration (reliability)")
    _save(fig, path, UNIT_AXES)


def residuals_png(y_true: Any, y_pred: Any, path: Path, small: bool = False) -> None:
    from sklearn.metrics import PredictionErrorDisplay

    fig, ax = _figure(small)
    PredictionErrorDisplay.from_predictions(
        y_true, y_pred, kind="residual_vs_predicted", ax=ax, subsample=2000, random_state=0
    )
    ax.set_title("Residuals vs predicted")
    _save(fig, path)


def actual_vs_predicted_png(y_true: Any, y_pred: Any, path: Path) -> None:
    from sklearn.metrics import PredictionErrorDisplay

    fig, ax = _figure(False)
    PredictionErrorDisplay.from_predictions(
        y_true, y_pred, kind="actual_vs_predicted", ax=ax, subsample=2000, random_state=0
    )
    ax.set_title("Actual vs predicted")
    _save(fig, path)


def importance_png(names: list[str], values: list[float], method: str, path: Path) -> None:
    fig, ax = _figure(False)
    order = list(range(len(names)))[:20][::-1]
    ax.barh([_label(names[i][:40]) for i in order], [values[i] for i in order])
    ax.set_title(f"Feature importance ({method})")
    ax.tick_params(axis="y", labelsize=7)
    _save(fig, path)


def render(
    task: str, data: dict[str, Any], out_dir: Path, small: bool
) -> tuple[dict[str, str], dict[str, str]]:
    """Draw the task's plots from `data` (y_true, y_pred, proba, labels, matrix, importance).

    Returns ({name: file name}, {name: small file name}) inside `out_dir`.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    smalls: dict[str, str] = {}
    y_true, y_pred, proba, labels = (
        data["y_true"],
        data["y_pred"],
        data.get("proba"),
        data.get("labels", []),
    )
    if task == "regression":
        residuals_png(y_true, y_pred, out_dir / "residuals.png")
        actual_vs_predicted_png(y_true, y_pred, out_dir / "actual_vs_predicted.png")
        files.update(residuals="residuals.png", actual_vs_predicted="actual_vs_predicted.png")
        if small:
            residuals_png(y_true, y_pred, out_dir / "residuals_small.png", small=True)
            smalls["residuals"] = "residuals_small.png"
    else:
        confusion_matrix_png(data["matrix"], labels, out_dir / "confusion_matrix.png")
        files["confusion_matrix"] = "confusion_matrix.png"
        if small:
            confusion_matrix_png(
                data["matrix"], labels, out_dir / "confusion_matrix_small.png", small=True
            )
            smalls["confusion_matrix"] = "confusion_matrix_small.png"
        if proba is not None and len(set(y_true.tolist())) > 1:
            _probability_plots(y_true, proba, labels, out_dir, small, files, smalls)
    if data.get("importance"):
        names, values, method = data["importance"]
        importance_png(names, values, method, out_dir / "feature_importance.png")
        files["feature_importance"] = "feature_importance.png"
    return files, smalls


def _probability_plots(
    y_true: Any,
    proba: Any,
    labels: list[str],
    out_dir: Path,
    small: bool,
    files: dict[str, str],
    smalls: dict[str, str],
) -> None:
    roc_png(y_true, proba, labels, out_dir / "roc_curve.png")
    pr_png(y_true, proba, labels, out_dir / "precision_recall.png")
    calibration_png(y_true, proba, labels, out_dir / "calibration.png")
    files.update(
        roc_curve="roc_curve.png",
        precision_recall="precision_recall.png",
        calibration="calibration.png",
    )
    if small:
        roc_png(y_true, proba, labels, out_dir / "roc_curve_small.png", small=True)
        smalls["roc_curve"] = "roc_curve_small.png"


def train_plots(
    task: str, y_true: Any, pred: Any, proba: Any, labels: list[str], matrix: Any, out: Path
) -> dict[str, str]:
    """The plots of a fit's holdout (residuals; or confusion matrix and ROC) into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    if task == "regression":
        residuals_png(y_true, pred, out / "residuals.png")
        return {"residuals": "residuals.png"}
    confusion_matrix_png(matrix, labels, out / "confusion_matrix.png")
    made = {"confusion_matrix": "confusion_matrix.png"}
    if proba is not None and len(set(y_true.tolist())) > 1:
        roc_png(y_true, proba, labels, out / "roc_curve.png")
        made["roc_curve"] = "roc_curve.png"
    return made
