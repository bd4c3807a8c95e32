"""Freed memory is handed back after a large read only: the full garbage collection that comes
first walks every object of a long-lived server (about 0.45 s of CPU once the ML libraries are
loaded), which a table of a few hundred rows never pays back."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mcp_server.ml.data import memory
from mcp_server.ml.data.tables import load_table

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "data" / "diabetes.csv"


@pytest.fixture
def full_collections() -> Iterator[list[int]]:
    """The generation-2 collections that start while the test runs (automatic ones held off)."""
    seen: list[int] = []

    def note(phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and info["generation"] == 2:
            seen.append(2)

    was_enabled = gc.isenabled()
    gc.disable()
    gc.callbacks.append(note)
    try:
        yield seen
    finally:
        gc.callbacks.remove(note)
        if was_enabled:
            gc.enable()


def test_a_small_table_is_read_without_a_full_garbage_collection(full_collections: list[int]):
    frame = load_table(EXAMPLE)
    assert len(frame) == 442 and EXAMPLE.stat().st_size < memory.RELEASE_MIN_BYTES
    assert full_collections == []


def test_a_read_at_the_threshold_hands_memory_back(
    full_collections: list[int], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(memory, "RELEASE_MIN_BYTES", EXAMPLE.stat().st_size)
    load_table(EXAMPLE)
    assert full_collections == [2]
    assert memory.frame_bytes(object()) == memory.RELEASE_MIN_BYTES  # not a frame: large
