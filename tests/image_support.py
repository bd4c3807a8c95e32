"""Image folders for the tests: scikit-learn's 8x8 digits written as PNG files into
`<root>/<digit>/<n>.png` (the layout `ImageFolderKind` reads), and broken or repeated files."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def digits_folder(root: Path, per_class: int | None = None) -> Path:
    """The digits (the first `per_class` of each class, else all 1,797) as greyscale PNGs."""
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    taken: dict[int, int] = {}
    for i, (pixels, label) in enumerate(zip(digits.images, digits.target, strict=True)):
        if per_class is not None and taken.get(int(label), 0) >= per_class:
            continue
        taken[int(label)] = taken.get(int(label), 0) + 1
        folder = root / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        grey = (pixels * 255 / 16).round().astype(np.uint8)
        Image.fromarray(grey).save(folder / f"{i:04d}.png")
    return root
