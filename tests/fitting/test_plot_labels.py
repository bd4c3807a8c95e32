"""Class labels and feature names are drawn as written (issue 23, low 11): a label such as
`$\\undefinedcmd$` must not reach matplotlib's mathtext parser, which failed ml_train with
"Unknown symbol"; the plots are drawn and the fit goes on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mcp_server.ml.fitting.plots import render

HOSTILE = [r"$\undefinedcmd$", r"$x^{$", "a$b$c"]


@pytest.mark.parametrize("n_classes", [2, 3])
def test_labels_and_feature_names_with_dollar_signs_are_drawn_not_parsed_as_mathtext(
    tmp_path: Path, n_classes: int
) -> None:
    rng = np.random.default_rng(0)
    labels = HOSTILE[:n_classes]
    y_true = np.arange(60) % n_classes
    proba = rng.dirichlet(np.ones(n_classes), 60)
    matrix = [
        [int(((y_true == i) & (proba.argmax(1) == j)).sum()) for j in range(n_classes)]
        for i in range(n_classes)
    ]
    data = {
        "y_true": y_true,
        "y_pred": proba.argmax(1),
        "proba": proba,
        "labels": labels,
        "matrix": matrix,
        "importance": (HOSTILE, [0.5, 0.3, 0.2], "permutation"),
    }
    files, smalls = render("classification", data, tmp_path, small=True)
    assert {"confusion_matrix", "roc_curve", "feature_importance"} <= set(files)
    assert all(
        (tmp_path / name).stat().st_size > 1000 for name in [*files.values(), *smalls.values()]
    )


def _edge_is_blank(path: Path) -> bool:
    """Nothing drawn on the image's outer two pixels: no text runs past the figure's edge."""
    from PIL import Image

    pixels = np.asarray(Image.open(path).convert("L"))
    frame = np.concatenate([pixels[:2].ravel(), pixels[-2:].ravel()])
    frame = np.concatenate([frame, pixels[:, :2].ravel(), pixels[:, -2:].ravel()])
    return bool((frame == 255).all())


@pytest.mark.parametrize(
    "labels", [["0", "1"], ["no", "yes"], ["WWW", "MMM", "www"], ["a", "b", "c", "d", "e"]]
)
def test_plots_laid_out_by_fixed_margins_cut_no_text_at_their_edge(
    tmp_path: Path, labels: list[str]
) -> None:
    from mcp_server.ml.fitting import plots

    n = len(labels)
    y_true = np.arange(200) % n
    proba = np.random.default_rng(1).dirichlet(np.ones(n), 200)
    plots.confusion_matrix_png([[1_000_000] * n] * n, labels, tmp_path / "cm.png")
    plots.roc_png(y_true, proba, labels, tmp_path / "roc.png")
    plots.pr_png(y_true, proba, labels, tmp_path / "pr.png")
    plots.calibration_png(y_true, proba, labels, tmp_path / "cal.png")
    cut = [p.name for p in sorted(tmp_path.glob("*.png")) if not _edge_is_blank(p)]
    assert cut == []
