"""Loading a pretrained `transformers` checkpoint for the text and image families.

Both fine-tuning families take a `checkpoint` param (a hub id, or a local folder written by
`save_pretrained`), load it with their own `Auto*` classes, give it a new head for the classes of
`y`, and train the whole network or only the head. The refusals (no checkpoint given, one that
cannot be loaded: no network for a hub id) are one line naming the local-folder alternative.
Copied into generated projects with the families that import it (`local_modules`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["from_checkpoint", "set_backbone_trainable"]

Loaded = TypeVar("Loaded")


def from_checkpoint(
    checkpoint: str, purpose: str, load: Callable[[], Loaded], holds: str = ""
) -> Loaded:
    """`load()` (the family's `from_pretrained` calls); `holds`: what the local folder must hold."""
    if not checkpoint:
        raise ValueError(
            f"{purpose} needs params={{'checkpoint': '<hub id or local folder>'}} (a folder "
            "written by save_pretrained works offline)"
        )
    try:
        return load()
    except (OSError, ValueError) as exc:
        folder = f"a local folder written by save_pretrained{f' ({holds})' if holds else ''}"
        raise ValueError(
            f"cannot load the checkpoint {checkpoint!r} ({str(exc).splitlines()[0][:120]}): "
            f"pass {folder} as checkpoint instead"
        ) from exc


def set_backbone_trainable(model: Any, frozen: bool) -> None:
    """Freeze the checkpoint's backbone (only the new head learns) or let all of it train."""
    for parameter in model.base_model.parameters():
        parameter.requires_grad = not frozen
