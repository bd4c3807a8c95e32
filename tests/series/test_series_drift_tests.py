"""The per-series level and season tests behind a forecast run's drift check, on generated
series with a trend and a weekly season: a known level shift is found (and its size), a changed
weekly pattern is found as a season change, and windows that simply continue the trend and the
season are left alone about as often as the test's level promises."""

from __future__ import annotations

import numpy as np
import pytest

from mcp_server.ml.monitoring.series_tests import adjust, shift_of

WEEK = np.array([0.0, 1.0, 2.0, 3.0, 5.0, 9.0, 4.0])
HISTORY, NEW = 120, 28


def _series(seed: int, level_shift: float = 0.0, week: np.ndarray = WEEK) -> tuple:
    """Positions and values of a training window and the new window after it."""
    rng = np.random.default_rng(seed)
    t = np.arange(HISTORY + NEW)
    pattern = np.where(t < HISTORY, WEEK[t % 7], week[t % 7])
    y = 50 + 0.05 * t + 2 * pattern + rng.normal(0, 1, len(t))
    y[HISTORY:] += level_shift
    return t[:HISTORY], y[:HISTORY], t[HISTORY:], y[HISTORY:]


def test_a_known_level_shift_is_found_with_its_size_and_only_in_the_shifted_series():
    shifts = [shift_of("calm", *_series(0), 7), shift_of("moved", *_series(1, 4.0), 7)]
    # the whole week moved up, the season kept its shape: its test does not see the shift
    unshifted = shift_of("moved", *_series(1), 7)
    assert shifts[1].season_p == pytest.approx(unshifted.season_p, rel=1e-9)
    adjust(shifts)
    calm, moved = shifts
    assert moved.level_drifted and not calm.level_drifted
    assert moved.shift == pytest.approx(4.0, abs=1.0) and moved.shift_sigmas > 2


def test_a_changed_weekly_pattern_is_found_as_a_season_change():
    reversed_week = WEEK[::-1].copy()
    shifts = [shift_of("s", *_series(2, week=reversed_week), 7)]
    adjust(shifts)
    assert shifts[0].season_drifted


def test_windows_that_continue_the_trend_and_season_are_rarely_called_drift():
    shifts = [shift_of(f"s{i}", *_series(100 + i), 7) for i in range(40)]
    adjust(shifts)
    level = sum(s.level_drifted for s in shifts)
    season = sum(s.season_drifted for s in shifts)
    assert level <= 1 and season <= 1, (level, season)
    raw = [shift_of(f"s{i}", *_series(100 + i), 7) for i in range(40)]  # unadjusted p-values
    assert 0 < sum(s.level_p is not None and s.level_p <= 0.2 for s in raw) <= 16  # not all 1
