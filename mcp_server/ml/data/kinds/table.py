"""The first kind of data: a table in one CSV or Parquet file, one row per example.

Reading is `tables.load_table`, profiling `profile.profile_frame`; the holdout is scikit-learn's
seeded `train_test_split` of the row positions (stratified on the classes), folds are shuffled
`StratifiedKFold` (classes) or `KFold` (regression), as every tool and the generated TDD project
did before kinds existed. Every model family of the registry lists "table" by default.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.ml.data.kinds.base import FamilyTraits, Routes, named_in_family

if TYPE_CHECKING:
    import pandas as pd

    from mcp_server.ml.data.profile import Profile

TABLE = "table"


class TableKind:
    """CSV (encoding and delimiter sniffed) or Parquet; the default kind of any file."""

    name = TABLE
    routes = Routes(
        export_formats=("joblib", "pickle", "skops", "onnx"),
        serving_runtimes=("onnx", "joblib", "torchserve", "tfserving"),
        tdd_templates="tdd",
    )

    def detect(self, path: Path) -> bool:
        from mcp_server.ml.data.tables import CSV_SUFFIXES, PARQUET_SUFFIXES

        suffix = path.suffix.lower()
        return suffix in CSV_SUFFIXES or suffix in PARQUET_SUFFIXES or suffix == ""

    def check_size(self, path: Path) -> None:
        from mcp_server.ml.data.tables import check_loadable

        check_loadable(path)

    def fingerprint(self, path: Path) -> str:
        from mcp_server.ml.data.tables import file_sha256

        return file_sha256(path)

    def read(self, path: Path) -> pd.DataFrame:
        from mcp_server.ml.data.tables import load_table

        return load_table(path)

    def profile(self, rows: pd.DataFrame, target: str | None, task: str) -> Profile:
        from mcp_server.ml.data.profile import profile_frame

        return profile_frame(rows, target, task)

    def holdout(self, rows: Any, y: Any, task: str, test_size: float, seed: int) -> tuple[Any, Any]:
        """scikit-learn's seeded split of the positions: its indices depend only on the row
        count, the seed and the labels, so splitting the positions alone draws the rows that
        `train_test_split(X, y, ...)` in the generated project draws."""
        import numpy as np
        from sklearn.model_selection import train_test_split

        train, test = train_test_split(
            np.arange(len(y)),
            test_size=test_size,
            random_state=seed,
            stratify=None if task == "regression" else y,
        )
        return train, test

    def folds(self, task: str, n_folds: int, seed: int) -> Any:
        from sklearn.model_selection import KFold, StratifiedKFold

        if task == "regression":
            return KFold(n_splits=n_folds, shuffle=True, random_state=seed)
        return StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)

    def accepts(self, family: FamilyTraits) -> bool:
        return named_in_family(self, family)
