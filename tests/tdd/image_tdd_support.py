"""An image SPEC's workspace for the TDD tests: scikit-learn's digits as an image folder whose
class folders have hostile names (quotes, unicode, Jinja markers, spaces), and its SPEC fields."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from tests.image_support import digits_folder

# class folder names: digits 0-3 renamed, 4-9 kept (what is rendered must survive both)
HOSTILE_CLASSES = {
    "0": 'ze\'ro "0"',
    "1": "un {{ one }} ü",
    "2": "数字 2 {% raw %}",
    "3": "three\\x00 '''",
}
FIELDS: dict[str, Any] = {
    "spec_id": "IMG-001",
    "title": 'Read digits """ {{ title }} \\x00',
    "dataset": "data/digits",
    "target": "label",
    "metric": "accuracy",
    "threshold": 0.7,
    "cv_folds": 2,
    "candidates": ["image_cnn"],
}


def hostile_digits(root: Path, per_class: int) -> Path:
    """`root/data/digits/<class>/*.png`, the first `per_class` digits of each class, four
    classes renamed to hostile folder names; returns the workspace root."""
    folder = digits_folder(root / "data" / "digits", per_class=per_class)
    for old, new in HOSTILE_CLASSES.items():
        (folder / old).rename(folder / new)
    return root


def classes_of(source: str) -> list[Any]:
    """The CLASSES literal of a generated module (`CLASSES = [...]` or `CLASSES: ... = [...]`)."""
    for node in ast.parse(source).body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == "CLASSES":
            assert isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None
            return list(ast.literal_eval(node.value))
    raise AssertionError("no CLASSES in the generated module")
