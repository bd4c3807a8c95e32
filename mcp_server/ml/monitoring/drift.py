"""Data drift between a reference and a current table: one verdict per column (Evidently's default
tests, see `stattests`), PSI on request, missing values, new categories, and the dataset verdict
(drifted share of the tested columns >= 0.5, Evidently's `drift_share`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcp_server.core.errors import DataError
from mcp_server.ml.monitoring import stattests

if TYPE_CHECKING:
    import pandas as pd

DRIFT_SHARE = 0.5
MAX_NEW_CATEGORIES = 5
MISSING_JUMP = (
    0.05  # a column missing this much more often than in the reference is worth a warning
)


@dataclass
class ColumnDrift:
    column: str
    kind: str  # numerical | categorical
    test: str | None  # None when the column could not be tested (see note)
    statistic: float | None
    threshold: float | None
    drifted: bool
    psi: float | None = None
    missing_reference: float = 0.0  # share of missing values
    missing_current: float = 0.0
    new_categories: list[str] = field(default_factory=list)
    note: str | None = None


@dataclass
class DriftReport:
    reference_rows: int
    current_rows: int
    columns: list[ColumnDrift]
    tested: int
    drifted: int
    share: float
    dataset_drift: bool
    warnings: list[str] = field(default_factory=list)

    @property
    def drifted_columns(self) -> list[str]:
        return [c.column for c in self.columns if c.drifted]


def common_columns(
    reference: pd.DataFrame, current: pd.DataFrame, wanted: list[str] | None
) -> tuple[list[str], list[str]]:
    """The columns to compare and warnings about the ones only one side has."""
    if current.shape[0] == 0:
        raise DataError(
            "the current table has no rows; give current= a table (or prediction log) with data"
        )
    if reference.shape[0] == 0:
        raise DataError(
            "the reference table has no rows; give reference= a table (or a run_id) with data"
        )
    ref_cols, cur_cols = [str(c) for c in reference.columns], {str(c) for c in current.columns}
    if wanted:
        unknown = [c for c in wanted if c not in ref_cols or c not in cur_cols]
        if unknown:
            raise DataError(
                f"columns {unknown[:5]} are not in both tables; leave `columns` empty to "
                "compare all shared ones"
            )
        return list(wanted), []
    shared = [c for c in ref_cols if c in cur_cols]
    if not shared:
        raise DataError(
            f"the reference ({', '.join(ref_cols[:5])}…) and current "
            f"({', '.join(sorted(cur_cols)[:5])}…) tables share "
            "no column; give reference= and current= tables of the same kind of data"
        )
    notes = []
    only_ref = [c for c in ref_cols if c not in cur_cols]
    only_cur = sorted(cur_cols - set(ref_cols))
    if only_ref:
        notes.append(
            f"{len(only_ref)} reference column(s) missing from current, not compared: "
            f"{only_ref[:5]}"
        )
    if only_cur:
        notes.append(
            f"{len(only_cur)} current column(s) not in the reference, not compared: {only_cur[:5]}"
        )
    return shared, notes


def column_drift(
    name: str, reference: pd.Series, current: pd.Series, psi: bool
) -> ColumnDrift | None:
    """One column's verdict; None for columns Evidently does not test (dates)."""
    kind = stattests.column_kind(reference)
    if kind == "datetime":
        return None
    out = ColumnDrift(
        column=name,
        kind=kind,
        test=None,
        statistic=None,
        threshold=None,
        drifted=False,
        missing_reference=_missing(reference),
        missing_current=_missing(current),
    )
    ref, cur = stattests.clean(reference), stattests.clean(current)
    if kind == "categorical":
        seen = {str(v) for v in ref.unique()}
        out.new_categories = sorted({str(v) for v in cur.unique()} - seen)[:MAX_NEW_CATEGORIES]
    if ref.empty or cur.empty:
        out.note = f"no values in the {'reference' if ref.empty else 'current'} table; not tested"
        return out
    if kind == "numerical" and not (_numeric(ref) and _numeric(cur)):
        out.note = "numbers in one table, text in the other; not tested"
        return out
    result = stattests.run_test(stattests.default_test(ref, cur, kind), ref, cur, kind)
    out.test, out.statistic, out.threshold, out.drifted = (
        result.test,
        result.statistic,
        result.threshold,
        result.drifted,
    )
    if psi:
        out.psi = stattests.run_test("psi", ref, cur, kind).statistic
    return out


def _missing(series: pd.Series) -> float:
    import numpy as np

    if len(series) == 0:
        return 0.0
    values = series.replace([-np.inf, np.inf], np.nan) if series.dtype.kind == "f" else series
    return round(float(values.isna().mean()), 4)


def _numeric(series: pd.Series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series))


def detect(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: list[str] | None = None,
    psi: bool = False,
) -> DriftReport:
    """Per-column drift over the shared columns (or `columns`), and the dataset verdict."""
    names, notes = common_columns(reference, current, columns)
    results = []
    for name in names:
        found = column_drift(name, reference[name], current[name], psi)
        if found is None:
            notes.append(f"{name!r} is a date column; Evidently does not test those, neither do we")
            continue
        results.append(found)
        if found.missing_current - found.missing_reference >= MISSING_JUMP:
            notes.append(
                f"{name!r} is missing in {found.missing_current:.0%} of current rows "
                f"(reference {found.missing_reference:.0%})"
            )
        if found.new_categories:
            notes.append(f"{name!r} has values never seen in the reference: {found.new_categories}")
    tested = [c for c in results if c.test is not None]
    drifted = sum(c.drifted for c in tested)
    share = drifted / len(tested) if tested else 0.0
    return DriftReport(
        reference_rows=int(reference.shape[0]),
        current_rows=int(current.shape[0]),
        columns=results,
        tested=len(tested),
        drifted=drifted,
        share=round(share, 4),
        dataset_drift=bool(tested) and share >= DRIFT_SHARE,
        warnings=notes,
    )


def as_table(report: DriftReport) -> list[dict[str, Any]]:
    """Plain rows (for JSON reports and for the comparison with Evidently)."""
    from dataclasses import asdict

    return [asdict(c) for c in report.columns]
