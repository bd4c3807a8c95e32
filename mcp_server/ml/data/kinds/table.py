"""The first kind of data: a table in one CSV or Parquet file, one row per example.

Reading is `tables.load_table`, profiling `profile.profile_frame`; holdout and folds are
`splits` (copied into the generated TDD project): scikit-learn's seeded `train_test_split` of
the row positions (stratified on the classes) and shuffled `StratifiedKFold` / `KFold`, over
groups when rows are copies of each other or share the SPEC's `group_column`. Every model
family of the registry lists "table" by default.
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

    def holdout(
        self, rows: Any, y: Any, task: str, test_size: float, seed: int, groups: Any = None
    ) -> tuple[Any, Any]:
        """`splits.holdout`: scikit-learn's seeded split of the positions (its indices depend
        only on the row count, the seed and the labels, so they are the rows that
        `train_test_split(X, y, ...)` draws), or of the groups of copies and of `groups`' values
        when the table has any; the generated project runs the same module."""
        from mcp_server.ml.data.splits import holdout

        return holdout(rows, y, task != "regression", test_size, seed, groups)

    def folds(self, task: str, n_folds: int, seed: int, groups: Any = None) -> Any:
        """`splits.GroupedFolds`: shuffled (Stratified)KFold, over groups when there are any."""
        from mcp_server.ml.data.splits import GroupedFolds

        return GroupedFolds(n_folds, task != "regression", seed, groups)

    def accepts(self, family: FamilyTraits) -> bool:
        return named_in_family(self, family)
