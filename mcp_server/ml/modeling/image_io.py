"""STABLE IMPORT PATH (fitted image models reference it): never move or rename.

Images in and out of the image families: what a caller may hand `fit`/`predict` (a table whose
first column holds them, a list, one item), each item a file path, raw bytes, a PIL image or a
pixel array; decoded with Pillow, converted to the fitted colour mode, resized to the fitted
square size, and stacked into a float tensor in [0, 1] (N x C x S x S). Random affine
augmentation is written in torch (rotation, shift, scale), seeded by the caller's generator.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

SINGLE = (str, bytes, bytearray, Path)


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """torch's intra-op threads set to the model's own count while it predicts (on a busy
    machine, more threads than free cores make a one-image prediction 20 times slower)."""
    was = torch.get_num_threads()
    torch.set_num_threads(max(1, int(threads)))
    try:
        yield
    finally:
        torch.set_num_threads(was)


def as_items(X: Any) -> list[Any]:
    """The images in `X`: a DataFrame's first column, a Series, a list or array, or one image."""
    if hasattr(X, "iloc") and hasattr(X, "columns"):  # a DataFrame
        return list(X.iloc[:, 0])
    if hasattr(X, "iloc"):  # a Series
        return list(X)
    if isinstance(X, SINGLE) or _is_pil(X):
        return [X]
    if isinstance(X, np.ndarray) and X.dtype != object and X.ndim in (2, 3) and X.shape[-1] > 4:
        return [X]  # one pixel array (H x W or H x W x C)
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == 1:
        return list(X[:, 0])
    return list(X)


def _is_pil(item: Any) -> bool:
    return hasattr(item, "convert") and hasattr(item, "size") and hasattr(item, "mode")


def open_image(item: Any) -> Any:
    """A PIL image from a path, bytes, a PIL image or a pixel array (ValueError otherwise)."""
    from PIL import Image, UnidentifiedImageError

    try:
        if _is_pil(item):
            return item
        if isinstance(item, (bytes, bytearray)):
            image = Image.open(io.BytesIO(bytes(item)))
        elif isinstance(item, (str, Path)):
            image = Image.open(item)
        elif isinstance(item, np.ndarray):
            return Image.fromarray(np.asarray(item, dtype=np.uint8))
        else:
            raise ValueError(f"an image is a path, bytes or a PIL image, not {type(item).__name__}")
        image.load()
        return image
    except (OSError, UnidentifiedImageError) as exc:
        shown = item if isinstance(item, (str, Path)) else f"{len(item)} bytes"
        raise ValueError(f"cannot read the image {shown}: {exc}") from exc


def colour_mode(images: list[Any]) -> str:
    """ "L" when every image is greyscale, else "RGB"."""
    return "L" if all(image.mode in ("L", "1", "I;16", "I") for image in images) else "RGB"


def typical_size(images: list[Any], low: int = 16, high: int = 64) -> int:
    """The most common longer side, kept within [low, high]."""
    side = Counter(max(image.size) for image in images).most_common(1)[0][0]
    return int(min(max(side, low), high))


def to_tensor(images: list[Any], size: int, mode: str) -> torch.Tensor:
    """N x C x size x size float32 pixels in [0, 1]."""
    from PIL import Image

    arrays = [
        np.asarray(
            image.convert(mode).resize((size, size), Image.Resampling.BILINEAR), dtype=np.float32
        )
        for image in images
    ]
    batch = np.stack(arrays) / 255.0
    if batch.ndim == 3:
        batch = batch[:, None, :, :]
    else:
        batch = batch.transpose(0, 3, 1, 2)
    return torch.from_numpy(np.ascontiguousarray(batch, dtype=np.float32))


def load_tensor(X: Any, size: int, mode: str) -> torch.Tensor:
    return to_tensor([open_image(item) for item in as_items(X)], size, mode)


def augment(batch: torch.Tensor, strength: float, generator: torch.Generator) -> torch.Tensor:
    """Random rotation (up to 20 degrees), shift (10%) and scale (+-10%), times `strength`."""
    if strength <= 0:
        return batch
    n = batch.shape[0]

    def uniform(scale: float) -> torch.Tensor:
        return (torch.rand(n, generator=generator) * 2 - 1) * scale * strength

    angle = uniform(math.radians(20))
    zoom = 1 + uniform(0.1)
    shift_x, shift_y = uniform(0.2), uniform(0.2)  # grid units: 2 is the whole width
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack(
        [torch.stack([cos, -sin, shift_x], 1), torch.stack([sin, cos, shift_y], 1)], 1
    )
    grid = F.affine_grid(theta, list(batch.shape), align_corners=False)
    return F.grid_sample(batch, grid, padding_mode="border", align_corners=False)
