"""What the Dask benches share: the generated partitions of a labelled table. (Their 2-worker
`LocalCluster`, one single-threaded worker process per core, is the tests' own:
`tests.cluster_support.local_cluster`.)"""

from __future__ import annotations

import numpy as np
import pandas as pd


def labelled_part(index: int, rows: int, features: int) -> pd.DataFrame:
    """Partition `index` of the generated table: `features` float32 columns `x0..`, a binary `y`
    from a few of them with noise (seeded by the partition, so every bench draws the same rows)."""
    rng = np.random.default_rng(100 + index)
    frame = pd.DataFrame(
        rng.normal(size=(rows, features)).astype("float32"),
        columns=[f"x{j}" for j in range(features)],
    )
    signal = frame["x0"] * frame["x1"] + np.sin(frame["x2"] * 2) + 0.5 * frame["x3"]
    frame["y"] = (signal + rng.normal(scale=0.8, size=rows) > 0).astype(int)
    return frame


def part_sizes(rows: int, parts: int) -> list[int]:
    """The rows of each of `parts` partitions of `rows` (the last one may be shorter)."""
    size = -(-rows // parts)
    return [min(size, rows - i * size) for i in range(parts)]
