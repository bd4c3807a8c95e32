"""The protocol every kind of data implements, and what it hands the rest of the product.

A kind owns what depends on the data's shape and nothing else: the lifecycle (tools, jobs,
judging, recording) asks the kind and never branches on its name. Modelled on MLflow's flavour
interface: one small protocol, one registry, every kind reached the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mcp_server.ml.data.profile import Profile


@dataclass(frozen=True)
class Routes:
    """Where a kind's fitted models may go, by the names their own layers define: export formats
    (`ml/export/formats.FORMATS`), serving runtimes (`ml/serving/service.RUNTIMES` and
    `generate.OTHER_RUNTIMES`), and the template set the TDD phases render
    (`templates/<tdd_templates>/manifest.yaml`)."""

    export_formats: tuple[str, ...]
    serving_runtimes: tuple[str, ...]
    tdd_templates: str


class FamilyTraits(Protocol):
    """What a kind may look at to accept a model family (the registry's `EstimatorSpec`)."""

    @property
    def name(self) -> str: ...

    @property
    def data_kinds(self) -> tuple[str, ...]: ...

    @property
    def tasks(self) -> tuple[str, ...]: ...


class DataKind(Protocol):
    """One kind of data. Its `name` is stable: SPECs and tool arguments (a `kind` hint) and
    `EstimatorSpec.data_kinds` name kinds by it."""

    @property
    def name(self) -> str: ...

    @property
    def routes(self) -> Routes: ...

    def detect(self, path: Path) -> bool:
        """Whether `path` is a dataset of this kind; cheap (a suffix, a folder listing, a header),
        never reads the data whole and never raises."""
        ...

    def check_size(self, path: Path) -> None:
        """Refuse, before a job starts, a dataset too large to read here (`DataError`)."""
        ...

    def fingerprint(self, path: Path) -> str:
        """A content hash of the dataset: the same data, the same hash (caches, change checks)."""
        ...

    def read(self, path: Path) -> Any:
        """The dataset's rows in memory (tables: a pandas DataFrame, one row per example, the
        target a column), or a `DataError` naming the fix."""
        ...

    def profile(self, rows: Any, target: str | None, task: str) -> Profile:
        """The quality profile of the rows `read` returned: task, target summary, findings."""
        ...

    def holdout(
        self, rows: Any, y: Any, task: str, test_size: float, seed: int, groups: Any = None
    ) -> tuple[Any, Any]:
        """Row positions (train, holdout) among `rows` (the labelled rows, in order; `y` their
        labels, stratified on by kinds that stratify; `groups` the SPEC's `group_column` values
        of those rows, or None: kinds that group keep a group on one side). Depends only on
        what is given, so the server, a job and the generated project draw the same rows."""
        ...

    def folds(self, task: str, n_folds: int, seed: int, groups: Any = None) -> Any:
        """Cross-validation folds: an object with scikit-learn's `split(X, y)` and
        `get_n_splits()` (any `cv=` argument scikit-learn takes); `groups`, aligned with the X
        the folds will split, as in `holdout`."""
        ...

    def accepts(self, family: FamilyTraits) -> bool:
        """Whether a model family can be fitted on this kind of data."""
        ...


def named_in_family(kind: DataKind, family: FamilyTraits) -> bool:
    """The usual acceptance rule: the family lists the kind in its `data_kinds`."""
    return kind.name in family.data_kinds
