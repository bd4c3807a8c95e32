"""Profile a table for ML: column kinds, task, target summary, and the warnings that matter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import DataError
from mcp_server.core.names import TASKS
from mcp_server.ml.data.columns import ColumnInfo, Kind, describe_columns
from mcp_server.ml.data.leakage import leaking_columns
from mcp_server.ml.data.target_summary import count_target, summarize_target

if TYPE_CHECKING:
    import pandas as pd

MIN_ROWS_PER_CLASS = 10
IMBALANCE_SHARE = 0.05
HEAVY_MISSING_PCT = 40.0
MAX_CLASSES = 50
MAX_INTEGER_CLASSES = 20  # integer targets: at most this many distinct values are class codes
MAX_CLASS_SHARE = 0.05  # ... and at most this share of the rows (10% below 1,000 rows)
MAX_CLASS_SHARE_SMALL = 0.1


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    column: str | None = None
    severity: str = "warning"  # "warning" | "error"


@dataclass
class Profile:
    rows: int
    columns: list[ColumnInfo]
    target: str | None
    task: str | None
    target_summary: dict[str, Any]
    duplicate_rows: int
    memory_mb: float
    findings: list[Finding] = field(default_factory=list)
    task_reason: str | None = None  # why this task (inferred), or "given by the caller"
    # columns and settings with a role for the kind of data (a series' time column, horizon, ...),
    # which the schema keeps and the kind's model families are given (`Schema.roles`)
    roles: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)  # what a kind says beyond columns

    def column(self, name: str) -> ColumnInfo:
        for info in self.columns:
            if info.name == name:
                return info
        raise KeyError(name)

    def flagged(self, code: str) -> list[str]:
        return [f.column for f in self.findings if f.code == code and f.column is not None]


def infer_task(target: pd.Series) -> str:
    """binary (2 classes), multiclass (strings, or few integers), regression (otherwise)."""
    return task_choice(target)[0]


def task_choice(target: pd.Series) -> tuple[str, str]:
    """The task the target's values call for, and one short reason.

    Integers are classes only when they are few in absolute terms (PyCaret: at most 20) AND
    relative to the rows (AutoGluon: at most 5% of rows, 10% under 1,000 rows); otherwise they
    are a count or a quantity (visits, items) and the task is regression."""
    import pandas as pd

    values = target.dropna()
    unique = int(values.nunique())
    if unique < 2:
        raise DataError(
            f"target {target.name!r} has {unique} distinct value(s); a model needs at least two: "
            "pass another column as target="
        )
    if unique == 2:
        return "binary", "the target has 2 distinct values"
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return "multiclass", f"the target holds {unique} distinct non-numeric values (labels)"
    integral = pd.api.types.is_integer_dtype(values) or bool((values == values.round()).all())
    if not integral:
        return "regression", "the target holds fractional numbers"
    share = MAX_CLASS_SHARE if len(values) > 1000 else MAX_CLASS_SHARE_SMALL
    if unique <= MAX_INTEGER_CLASSES and unique <= share * len(values):
        return (
            "multiclass",
            f"the target holds {unique} distinct integers (few: class codes); pass task to "
            "override",
        )
    return "regression", (
        f"the target holds {unique} distinct integers on {len(values)} rows (more than "
        f"{MAX_INTEGER_CLASSES} or "
        f"{share:.0%} of rows: a count or quantity); pass task='multiclass' to override"
    )


def check_task(target: pd.Series, task: str) -> str:
    """Resolve `auto` and check that an explicit task fits the target."""
    import pandas as pd

    inferred = infer_task(target)
    if task == "auto":
        return inferred
    if task not in TASKS:
        raise DataError(f"unknown task {task!r}; pass task= one of auto, {', '.join(TASKS)}")
    if task == "regression" and not pd.api.types.is_numeric_dtype(target.dropna()):
        raise DataError(
            f"task is regression but target {target.name!r} is not numeric; pass "
            f"task='{inferred}' or task='auto', or a numeric column as target="
        )
    if task == "binary" and inferred != "binary":
        raise DataError(
            f"task is binary but target {target.name!r} has {target.nunique()} classes; pass "
            f"task='{inferred}' or task='auto'"
        )
    return task


def duplicate_rows(frame: pd.DataFrame) -> int:
    """Rows equal to an earlier row. One 64-bit hash per row finds the candidates (a wide table's
    `duplicated()` factorizes every column); only those rows are compared exactly."""
    import pandas as pd

    if frame.empty:
        return 0
    try:
        hashes = pd.util.hash_pandas_object(frame, index=False)
    except TypeError:  # unhashable cells (lists, dicts): the exact way
        return int(frame.duplicated().sum())
    candidates = hashes.duplicated(keep=False).to_numpy()
    return int(frame[candidates].duplicated().sum()) if candidates.any() else 0


def profile_frame(frame: pd.DataFrame, target: str | None = None, task: str = "auto") -> Profile:
    """The full profile; the tool layer makes it compact."""
    if target is not None and target not in frame.columns:
        names = ", ".join(repr(str(c)) for c in list(frame.columns)[:20])
        raise DataError(f"target column {target!r} not found; pass target= one of: {names}")
    columns = describe_columns(frame)
    resolved = None
    summary: dict[str, Any] = {}
    reason = None
    if target is not None:
        resolved = check_task(frame[target], task)
        reason = task_choice(frame[target])[1] if task == "auto" else "given by the caller"
        summary = summarize_target(frame[target], resolved)
    profile = Profile(
        rows=len(frame),
        columns=columns,
        target=target,
        task=resolved,
        target_summary=summary,
        duplicate_rows=duplicate_rows(frame),
        memory_mb=round(float(frame.memory_usage(deep=True).sum()) / 2**20, 2),
        task_reason=reason,
    )
    profile.findings = _findings(frame, profile)
    return profile


def refind(frame: pd.DataFrame, profile: Profile) -> list[Finding]:
    """The findings again, for a profile whose counts were made exact after a sample's
    profile (`partitioned_profile`): `frame` is the sample the leakage screen reads."""
    return _findings(frame, profile)


def _copies(frame: pd.DataFrame, profile: Profile) -> list[Finding]:
    """Rows equal in every column a model may use (not the target, not an identifier): the
    table kind's splits keep each such group on one side (`splits`), and the profile says so."""
    from mcp_server.ml.data.splits import group_counts, row_groups

    usable = [
        i
        for i, info in enumerate(profile.columns)
        if info.name != profile.target and info.kind not in (Kind.IDENTIFIER, Kind.CONSTANT)
    ]
    if not usable or profile.target is None or len(profile.columns) != frame.shape[1]:
        return []
    rows, groups = group_counts(row_groups(frame.iloc[:, usable]))
    if not groups:
        return []
    return [
        Finding(
            "copies",
            f"{rows} rows repeat another row's features ({groups} groups of copies): the "
            "holdout and every CV fold keep each group on one side, so no copy of a training "
            "row is scored as unseen",
        )
    ]


def _findings(frame: pd.DataFrame, profile: Profile) -> list[Finding]:
    found: list[Finding] = []
    for info in profile.columns:
        if info.name == profile.target:
            continue
        if info.kind == Kind.IDENTIFIER:
            found.append(
                Finding("identifier", f"{info.name!r} looks like an identifier; drop it", info.name)
            )
        elif info.kind == Kind.CONSTANT:
            found.append(
                Finding("constant", f"{info.name!r} has a single value; drop it", info.name)
            )
        if info.missing_pct >= HEAVY_MISSING_PCT:
            found.append(
                Finding(
                    "heavy_missing", f"{info.name!r} is {info.missing_pct:.0f}% missing", info.name
                )
            )
    if profile.duplicate_rows:
        found.append(Finding("duplicates", f"{profile.duplicate_rows} duplicate rows"))
    found += _copies(frame, profile)
    if profile.rows < 50:
        found.append(Finding("few_rows", f"only {profile.rows} rows; metrics will be noisy"))
    if profile.target is not None and profile.task is not None:
        found += _target_findings(profile)
        usable = [
            c.name
            for c in profile.columns
            if c.kind not in (Kind.IDENTIFIER, Kind.CONSTANT) and c.name != profile.target
        ]
        for name, score in leaking_columns(frame, profile.target, profile.task, usable):
            found.append(
                Finding(
                    "leakage",
                    f"{name!r} alone predicts the target (score {score:.3f}); it likely leaks it",
                    name,
                    "error",
                )
            )
    return found


def _regression_findings(summary: dict[str, Any]) -> list[Finding]:
    """MAPE on zeros, and a count or skewed non-negative target a squared error fits badly."""
    found = []
    if summary.get("zeros"):
        found.append(
            Finding(
                "mape_undefined",
                f"target has {summary['zeros']} zero or near-zero values: MAPE is undefined "
                "(reported as null); judge with wape (sum |error| / sum |target|) or mae",
            )
        )
    kind = count_target(summary)
    if kind is not None:
        found.append(
            Finding(
                "count_target",
                # The data layer sits below the registry: the families are described, not named.
                f"a {kind} target (skew {summary.get('skew') or 0.0:.1f}): squared error fits it "
                "badly; ml_compare_models adds Poisson and Tweedie candidates for it (or "
                "params={'loss': 'poisson'} on histogram gradient boosting); judge them by "
                "poisson_deviance",
            )
        )
    return found


def _target_findings(profile: Profile) -> list[Finding]:
    found: list[Finding] = []
    summary = profile.target_summary
    if summary.get("missing"):
        found.append(Finding("target_missing", f"target has {summary['missing']} missing values"))
    if profile.task == "regression":
        return found + _regression_findings(summary)
    counts: dict[str, int] = summary["counts"]
    total = sum(counts.values())
    smallest_label, smallest = min(counts.items(), key=lambda kv: kv[1])
    if smallest / max(total, 1) < IMBALANCE_SHARE:
        found.append(
            Finding(
                "imbalance", f"class {smallest_label!r} is {100 * smallest / total:.1f}% of rows"
            )
        )
    few = [label for label, n in counts.items() if n < MIN_ROWS_PER_CLASS]
    if few:
        found.append(
            Finding(
                "few_rows_per_class",
                f"{len(few)} class(es) have fewer than {MIN_ROWS_PER_CLASS} rows: {few[:5]}",
                severity="error" if min(counts.values()) < 2 else "warning",
            )
        )
    return found
