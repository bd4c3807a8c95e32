"""Whether a series' level or season moved between a training window and a new window.

Per series, the reference's last `reference_steps(...)` steps are fitted by least squares with a
level, a linear trend and one coefficient per phase of the season; the new window's residuals
from that fit's extrapolation are then tested:

- level: their mean, a t-test with the extrapolation's own variance (sigma^2 / n plus the mean
  prediction's variance), df = the fit's residual degrees of freedom; a shift also has to be at
  least `MIN_SHIFT` residual standard deviations to count;
- season: the spread of their per-phase means (an F-test of the between-phase sum of squares
  against the fit's residual variance; the new window needs a step of two phases at least).

p-values are adjusted across series with Benjamini-Hochberg (false discovery rate `ALPHA`): a
series drifted when its adjusted p-value is at most `ALPHA`. A trend and a season that simply
continue are no drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ALPHA = 0.05
MIN_SHIFT = 0.5  # residual standard deviations
MIN_REFERENCE = 8  # steps of reference a series needs to be tested


@dataclass
class SeriesShift:
    series: str
    reference_steps: int
    current_steps: int
    shift: float | None  # mean residual, in the target's units
    shift_sigmas: float | None
    level_p: float | None
    season_p: float | None
    level_drifted: bool = False
    season_drifted: bool = False


def reference_steps(available: int, current: int, season: int) -> int:
    """How much of the reference the fit uses: six seasons or three new windows, at least 30."""
    return min(available, max(6 * season, 3 * current, 30))


def shift_of(
    name: str, ref_pos: Any, ref_y: Any, cur_pos: Any, cur_y: Any, season: int
) -> SeriesShift:
    """The level and season tests of one series; positions are steps on one time grid."""
    import numpy as np
    from scipy import stats

    keep = min(len(ref_y), reference_steps(len(ref_y), len(cur_y), season))
    ref_pos, ref_y = ref_pos[-keep:], ref_y[-keep:]
    X_ref, X_cur = _design(ref_pos, season), _design(cur_pos, season)
    df = len(ref_y) - X_ref.shape[1]
    if len(ref_y) < MIN_REFERENCE or df < 2 or not len(cur_y):
        return SeriesShift(name, len(ref_y), len(cur_y), None, None, None, None)
    beta, *_ = np.linalg.lstsq(X_ref, ref_y, rcond=None)
    rss = float(np.sum((ref_y - X_ref @ beta) ** 2))
    sigma2 = max(rss / df, 1e-12 * max(float(np.var(ref_y)), 1.0))
    resid = cur_y - X_cur @ beta
    inverse = np.linalg.pinv(X_ref.T @ X_ref)
    mean_x = X_cur.mean(axis=0)
    se = np.sqrt(sigma2 / len(resid) + sigma2 * float(mean_x @ inverse @ mean_x))
    shift = float(resid.mean())
    level_p = float(2 * stats.t.sf(abs(shift) / se, df))
    season_p = _season_p(resid, cur_pos, season, X_cur @ inverse @ X_cur.T, sigma2, df)
    sigmas = shift / float(np.sqrt(sigma2))
    return SeriesShift(name, len(ref_y), len(cur_y), shift, sigmas, level_p, season_p)


def _season_p(resid: Any, positions: Any, season: int, spread: Any, sigma2: float, df: int) -> Any:
    """The F-test that the residuals' per-phase means are equal, with their exact covariance
    (each residual's own noise plus the fit's extrapolation, `spread` = X_cur (X'X)^-1 X_cur')."""
    import numpy as np
    from scipy import stats

    phases = np.asarray(positions).astype(int) % max(season, 1)
    present = np.unique(phases)
    k = len(present)
    if season <= 1 or k < 2 or len(resid) <= k:
        return None
    A = np.stack([(phases == p) / np.sum(phases == p) for p in present])  # phase means
    C = np.eye(k)[1:] - np.eye(k)[0]  # each phase's mean against the first's
    D = C @ (A @ resid)
    S = C @ A @ (np.eye(len(resid)) + spread) @ A.T @ C.T
    statistic = float(D @ np.linalg.solve(S, D)) / (k - 1) / sigma2
    return float(stats.f.sf(statistic, k - 1, df))


def _design(positions: Any, season: int) -> Any:
    """Columns: 1, the step, and an indicator of each phase of the season but the first."""
    import numpy as np

    positions = np.asarray(positions, dtype=float)
    columns = [np.ones_like(positions), positions]
    if season > 1:
        phases = positions.astype(int) % season
        columns += [(phases == p).astype(float) for p in range(1, season)]
    return np.column_stack(columns)


def adjust(shifts: list[SeriesShift]) -> None:
    """Benjamini-Hochberg across series, for each test: sets each series' verdicts."""
    level = _bh([s.level_p for s in shifts])
    season = _bh([s.season_p for s in shifts])
    for s, lp, sp in zip(shifts, level, season, strict=True):
        big = s.shift_sigmas is not None and abs(s.shift_sigmas) >= MIN_SHIFT
        s.level_drifted = lp is not None and lp <= ALPHA and big
        s.season_drifted = sp is not None and sp <= ALPHA
        s.level_p, s.season_p = lp, sp


def _bh(pvalues: list[float | None]) -> list[float | None]:
    """Benjamini-Hochberg adjusted p-values (None stays None)."""
    import numpy as np

    known = [i for i, p in enumerate(pvalues) if p is not None]
    out: list[float | None] = [None] * len(pvalues)
    if not known:
        return out
    p = np.array([pvalues[i] for i in known], dtype=float)
    order = np.argsort(p)
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
    for rank, index in enumerate(order):
        out[known[index]] = float(adjusted[rank])
    return out
