"""Shifted and unshifted images and texts for the drift tests: digits written as PNG files (some
brighter, some resized) and generated support tickets (some twice as long, some with words the
reference never used)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tests.text_support import support_tickets

NEW_WORDS = ("quasar", "nebula", "plasma", "hologram", "teleport", "warp", "photon", "zephyr")


def digit_images(folder: Path, start: int, count: int, how: str = "same") -> list[str]:
    """`count` digits from position `start` of a seeded shuffle as PNG files in `folder`: as they
    are, brighter (grey levels compressed towards white) or resized to 16x16. (Shuffled: the
    dataset's runs of digits come from different writers, whose strokes differ in contrast.)"""
    from PIL import Image
    from sklearn.datasets import load_digits

    folder.mkdir(parents=True, exist_ok=True)
    digits = load_digits()
    paths = []
    order = np.random.default_rng(0).permutation(len(digits.images))
    for i in order[start : start + count]:
        grey = (digits.images[i] * 255 / 16).round()
        if how == "brighter":
            grey = grey * 0.6 + 100
        image = Image.fromarray(grey.astype(np.uint8))
        if how == "resized":
            image = image.resize((16, 16))
        path = folder / f"{i:04d}.png"
        image.save(path)
        paths.append(str(path))
    return paths


def tickets(rows: int, seed: int, how: str = "same") -> pd.DataFrame:
    """Support tickets: as generated, each text written twice (longer), or four words in ten
    replaced by words the reference never saw."""
    frame = support_tickets(rows, seed=seed)
    rng = np.random.default_rng(seed)
    if how == "longer":
        frame["text"] = frame["text"] + " " + frame["text"]
    elif how == "new words":
        frame["text"] = [
            " ".join(str(rng.choice(NEW_WORDS)) if rng.random() < 0.4 else w for w in t.split())
            for t in frame["text"]
        ]
    return frame
