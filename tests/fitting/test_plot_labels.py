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
