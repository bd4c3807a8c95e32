"""The memory a table may take here, and freed memory handed back to the system."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

from mcp_server.core import settings


def available_memory_bytes() -> int:
    """Memory a table may take here: what the machine still has (MemAvailable), never more than
    `memory_cap_bytes()`."""
    return min(_meminfo().get("MemAvailable", 1 << 62), memory_cap_bytes())


def memory_cap_bytes() -> int:
    """`MOAI_ML_MAX_MEMORY_MB` (an operator's limit for a shared machine), else half of the
    machine's memory or of the container's cgroup limit, whichever is smaller: the server
    shares the machine with the agent, its editor and the user's own work, and a few KB of
    hostile Parquet must not be allowed to take all of it."""
    cap = settings.max_memory_mb()
    if cap is not None:
        return cap * 2**20
    total = min(_meminfo().get("MemTotal", 1 << 62), _cgroup_limit())
    return total // 2


def _meminfo() -> dict[str, int]:
    """/proc/meminfo in bytes (empty where there is none)."""
    found: dict[str, int] = {}
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                name, _, rest = line.partition(":")
                if name in ("MemAvailable", "MemTotal"):
                    found[name] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return found


def _cgroup_limit() -> int:
    """The cgroup v2 (or v1) memory limit of this process's container, or a large number."""
    for name in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            raw = Path(name).read_text(encoding="ascii").strip()
        except OSError:
            continue
        if raw.isdigit():
            return int(raw)
    return 1 << 62


# A read smaller than this leaves too little in Arrow's pool and glibc's heap to pay for a full
# garbage collection, which walks every object of a long-lived server: about 0.3 s of CPU once the
# ML libraries are loaded, against about 5 ms for reading a table of a few hundred rows.
RELEASE_MIN_BYTES = 16 * 2**20


def release_after(nbytes: int) -> None:
    """`release_memory` after a read of `nbytes` (its file or its frame, the larger), when the
    read was large enough to leave memory worth handing back."""
    if nbytes >= RELEASE_MIN_BYTES:
        release_memory()


def frame_bytes(frame: Any) -> int:
    """A pandas frame's own memory (object cells as pointers); anything else counts as large."""
    usage = getattr(frame, "memory_usage", None)
    return int(usage(deep=False).sum()) if usage is not None else RELEASE_MIN_BYTES


def release_memory() -> None:
    """Hand freed memory back to the system: Arrow's pool and glibc's heap keep what a large read
    or profile freed, and a long-lived server would carry it into every later call."""
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    trim_heap()


def trim_heap() -> None:
    """glibc's free pages back to the system (milliseconds). A loop that frees a table column by
    column while it fills another array calls it per column: glibc serves columns of a few MiB
    from its heap and keeps their pages when they are freed, so without it the freed columns would
    still count next to the array that replaces them."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


@functools.cache
def _glibc() -> Any:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c") if sys.platform.startswith("linux") else None
    return ctypes.CDLL(name) if name else None
