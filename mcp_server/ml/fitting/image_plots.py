"""A grid of misclassified images (true label -> predicted), for models of the images kind: the
one plot an image classifier's errors need besides the confusion matrix. Nothing for a table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

MAX_SHOWN = 25
COLUMNS = 5
FILE = "misclassified.png"


def fit_plots(
    schema: Any, fitted: Any, pred: Any, proba: Any, matrix: Any, out: Path
) -> dict[str, str]:
    """A fit's holdout plots (`plots.train_plots`: residuals, or confusion matrix and ROC), and an
    image model's misclassified images."""
    from mcp_server.ml.fitting.plots import train_plots

    labels = [str(c) for c in schema.classes]
    y, X = fitted.y_test, fitted.X_test
    made = train_plots(schema.task, y, pred, proba, labels, matrix, out)
    return made | misclassified_plot(schema, X, y, pred, labels, out)


def misclassified_plot(
    schema: Any, X: Any, y_true: Any, pred: Any, labels: list[str], out: Path
) -> dict[str, str]:
    """{"misclassified": "misclassified.png"} drawn into `out` when the model reads images and
    got some wrong; else nothing."""
    import numpy as np

    if not schema.of_kind("image") or schema.task == "regression":
        return {}
    wrong = np.flatnonzero(np.asarray(y_true) != np.asarray(pred))[:MAX_SHOWN]
    if not len(wrong):
        return {}
    items = list(X.iloc[:, 0]) if hasattr(X, "iloc") else list(X)
    shown = [(items[i], labels[int(y_true[i])], labels[int(pred[i])]) for i in wrong]
    out.mkdir(parents=True, exist_ok=True)
    _grid(shown, out / FILE)
    return {"misclassified": FILE}


def _grid(shown: list[tuple[Any, str, str]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mcp_server.ml.modeling.image_io import open_image

    rows = (len(shown) + COLUMNS - 1) // COLUMNS
    fig, axes = plt.subplots(rows, COLUMNS, figsize=(COLUMNS * 1.6, rows * 1.8), dpi=100)
    for ax, (item, truth, guess) in zip(list(getattr(axes, "flat", [axes])), shown, strict=False):
        image = open_image(item)
        grey = image.mode in ("L", "1", "I;16", "I")
        ax.imshow(image.convert("L" if grey else "RGB"), cmap="gray" if grey else None)
        ax.set_title(f"{truth} -> {guess}"[:24], fontsize=8)
    for ax in getattr(axes, "flat", [axes]):
        ax.axis("off")
    fig.suptitle("misclassified: true -> predicted", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
