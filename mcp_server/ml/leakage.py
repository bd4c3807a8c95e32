"""Single-feature leakage: a feature that predicts the target almost perfectly on its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

LEAK_SCORE = 0.99
_BINS = 20
_MAX_ROWS = 200_000


def leaking_columns(frame: pd.DataFrame, target: str, task: str, features: list[str]) -> list[tuple[str, float]]:
    """(column, score) for each feature whose one-feature score reaches `LEAK_SCORE`.

    Classification: purity of the target within a feature's values (numeric features in
    quantile bins), compared with the majority-class baseline so a constant-ish target does not
    make every feature look leaky. Regression: share of target variance explained by the
    feature's bins (the correlation ratio).
    """
    data = frame[[*features, target]].dropna(subset=[target])
    if len(data) > _MAX_ROWS:
        data = data.sample(_MAX_ROWS, random_state=0)
    y = data[target]
    out = []
    for name in features:
        if name == target:
            continue
        groups = _groups(data[name])
        if groups is None:
            continue
        score = _purity(groups, y) if task != "regression" else _eta_squared(groups, y.astype(float))
        if score >= LEAK_SCORE:
            out.append((name, round(score, 4)))
    return out


def _groups(column: pd.Series) -> pd.Series | None:
    import pandas as pd

    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        if column.nunique() > _BINS:
            try:
                return pd.qcut(column, _BINS, labels=False, duplicates="drop").fillna(-1)
            except (ValueError, TypeError):
                return None
        return column.fillna(-1e300)
    codes = column.astype("string").fillna("\x00missing")
    # Tiny groups are pure by chance (a category per row predicts anything): need ~10 rows each.
    if codes.nunique() > len(codes) / 10:
        return None
    return codes


def _purity(groups: pd.Series, y: pd.Series) -> float:
    counts = y.astype(str).groupby(groups.values).value_counts()
    majority_per_group = counts.groupby(level=0).max().sum()
    purity = float(majority_per_group) / max(len(y), 1)
    baseline = float(y.astype(str).value_counts(normalize=True).iloc[0])
    if baseline >= LEAK_SCORE:
        return 0.0
    # Rescale so the baseline maps to 0 and perfect purity to 1.
    return max(0.0, (purity - baseline) / (1.0 - baseline)) if purity < 1.0 else 1.0


def _eta_squared(groups: pd.Series, y: pd.Series) -> float:
    total = float(((y - y.mean()) ** 2).sum())
    if total == 0.0:
        return 0.0
    means = y.groupby(groups.values).transform("mean")
    within = float(((y - means) ** 2).sum())
    return 1.0 - within / total
