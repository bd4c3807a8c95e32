"""Per-column drift tests with Evidently's defaults, in numpy/scipy/pandas only.

Mirrors Evidently's `DataDriftTable` (legacy `process_columns`, `get_one_column_drift`,
`_get_default_stattest`): the column kind is inferred the way Evidently infers it (numbers are
numerical, booleans and strings categorical, from the reference's dtype), missing and
infinite values are dropped before the test is chosen, and the test is

- reference <= 1000 rows: numerical with > 5 distinct values -> Kolmogorov-Smirnov, p <= 0.05;
  otherwise chi-squared (> 2 values) or a two-proportion Z-test (<= 2 values), p < 0.05;
- reference > 1000 rows: numerical with > 5 values -> Wasserstein distance divided by the
  reference's standard deviation, >= 0.1; otherwise Jensen-Shannon distance, >= 0.1.

PSI (>= 0.1, Evidently's binning) is available on request. One deliberate difference: Evidently
drops infinities only from columns that also hold missing values (its histograms then fail on
the others); here they are always dropped. `tests/monitoring` checks every
statistic and verdict against `evidently` itself.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

SMALL_REFERENCE = 1000  # Evidently: up to this many reference rows use the statistical tests
FEW_VALUES = 5  # numbers with at most this many distinct values get the categorical tests
P_VALUE = 0.05
DISTANCE = 0.1
PSI_BINS = 30


@dataclass(frozen=True)
class TestResult:
    test: str  # ks | chisquare | z | wasserstein | jensenshannon | psi
    statistic: float
    threshold: float
    drifted: bool


def column_kind(reference: pd.Series) -> str:
    """'numerical', 'categorical' or 'datetime' as Evidently's `DataDriftTable` decides it: from the
    reference's dtype alone (`process_columns`: numbers are numerical, booleans and text
    categorical)."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(reference.dtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(reference.dtype):
        return "numerical"
    if pd.api.types.is_datetime64_any_dtype(reference.dtype):
        return "datetime"
    return "categorical"


def clean(series: pd.Series) -> pd.Series:
    """Evidently drops missing and infinite values before testing."""
    return series.replace([-np.inf, np.inf], np.nan).dropna()


def default_test(reference: pd.Series, current: pd.Series, kind: str) -> str:
    """Evidently's `_get_default_stattest` for cleaned columns."""
    import pandas as pd

    n_values = pd.concat([reference, current]).nunique()
    few = n_values <= FEW_VALUES
    if reference.shape[0] <= SMALL_REFERENCE:
        if kind == "numerical" and not few:
            return "ks"
        return "chisquare" if n_values > 2 else "z"
    if kind == "numerical" and not few:
        return "wasserstein"
    return "jensenshannon"


def run_test(test: str, reference: pd.Series, current: pd.Series, kind: str) -> TestResult:
    """One test on cleaned, non-empty columns, with Evidently's default threshold and comparison."""
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")
        value = float(_TESTS[test](reference, current, kind))
    if test in ("ks",):
        return TestResult(test, value, P_VALUE, bool(value <= P_VALUE))
    if test in ("chisquare", "z"):
        return TestResult(test, value, P_VALUE, bool(value < P_VALUE))
    return TestResult(test, value, DISTANCE, bool(value >= DISTANCE))


def _ks(reference: pd.Series, current: pd.Series, kind: str) -> float:
    from scipy.stats import ks_2samp

    return float(ks_2samp(reference, current)[1])


def _counts(reference: pd.Series, current: pd.Series) -> tuple[list[Any], Any, Any]:
    keys = list(set(reference.dropna().unique()) | set(current.dropna().unique()))
    ref_counts, cur_counts = reference.value_counts(), current.value_counts()
    ref = np.array([float(ref_counts.get(k, 0)) for k in keys])
    cur = np.array([float(cur_counts.get(k, 0)) for k in keys])
    return keys, ref, cur


def _chisquare(reference: pd.Series, current: pd.Series, kind: str) -> float:
    from scipy.stats import chisquare

    _, ref, cur = _counts(reference, current)
    expected = ref * (current.shape[0] / reference.shape[0])
    return float(chisquare(cur, expected)[1])


def _z(reference: pd.Series, current: pd.Series, kind: str) -> float:
    from scipy.stats import norm

    if (
        reference.nunique() == 1
        and current.nunique() == 1
        and reference.unique()[0] == current.unique()[0]
    ):
        return 1.0
    first = sorted(set(reference.dropna().unique()) | set(current.dropna().unique()))[0]
    n1, n2 = len(reference), len(current)
    p1 = float((reference != first).sum()) / n1
    p2 = float((current != first).sum()) / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    return float(2 * (1 - norm.cdf(np.abs(z))))


def _wasserstein(reference: pd.Series, current: pd.Series, kind: str) -> float:
    from scipy.stats import wasserstein_distance

    norm = max(float(np.std(reference)), 0.001)
    return float(wasserstein_distance(reference, current) / norm)


def binned(
    reference: pd.Series, current: pd.Series, kind: str, fill_zeroes: bool
) -> tuple[Any, Any]:
    """Evidently's `get_binned_data`: Sturges bins over both for numbers with > 20 values, else
    shares."""
    import pandas as pd

    if kind == "numerical" and reference.nunique() > 20:
        combined = np.asarray(pd.concat([reference, current], axis=0).values)
        bins = np.histogram_bin_edges(combined, bins="sturges")
        ref = np.histogram(reference, bins)[0] / len(reference)
        cur = np.histogram(current, bins)[0] / len(current)
    else:
        _, ref_counts, cur_counts = _counts(reference, current)
        ref, cur = ref_counts / len(reference), cur_counts / len(current)
    if fill_zeroes:
        ref, cur = _fill_zeroes(ref), _fill_zeroes(cur)
    return ref, cur


def _fill_zeroes(shares: Any) -> Any:
    smallest = float(np.min(shares[shares != 0]))
    out = np.array(shares, dtype=float)
    np.place(out, out == 0, smallest / 10**6 if smallest <= 0.0001 else 0.0001)
    return out


def _jensenshannon(reference: pd.Series, current: pd.Series, kind: str) -> float:
    from scipy.spatial import distance

    ref, cur = binned(reference, current, kind, fill_zeroes=False)
    return float(distance.jensenshannon(ref, cur))


def _psi(reference: pd.Series, current: pd.Series, kind: str) -> float:
    ref, cur = binned(reference, current, kind, fill_zeroes=True)
    return float(np.sum((ref - cur) * np.log(ref / cur)))


_TESTS = {
    "ks": _ks,
    "chisquare": _chisquare,
    "z": _z,
    "wasserstein": _wasserstein,
    "jensenshannon": _jensenshannon,
    "psi": _psi,
}
