"""The preprocessing statistics of a partitioned table's training rows, computed on the cluster
and exact: each numeric column's median (`SimpleImputer(strategy="median")`: the middle value,
or the mean of the two middle ones), each categorical column's category counts (missing counted
as `MISSING`, as the imputer fills it before the one-hot encoder counts). The single-machine
preprocessor is then fitted on a small frame made to have exactly those statistics, so the
fitted object is the very `ColumnTransformer` `build_preprocessor` makes, with the same state a
fit on all the training rows would give.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from mcp_server.ml.data.hash_split import Split
    from mcp_server.ml.data.schema import Schema

# Medians: the rank of the middle value is bracketed by approximate quantiles, then the values
# inside the bracket are gathered and the middle one picked; a bracket that missed widens.
BRACKETS = ((0.45, 0.55), (0.25, 0.75), (0.0, 1.0))


def _train_coerced(frame: pd.DataFrame, schema: Schema, split: Split) -> pd.DataFrame:
    from mcp_server.ml.fitting.cluster_data import side
    from mcp_server.ml.modeling.preprocess import MISSING, coerce_frame

    rows = coerce_frame(side(frame, split, schema, holdout=False), schema)
    for name in schema.of_kind("categorical", "boolean"):
        rows[name] = rows[name].where(rows[name].notna(), MISSING)
    return rows


def _counts(frame: pd.DataFrame, schema: Schema, split: Split) -> dict[str, Any]:
    """Per partition: non-missing count and min/max of each numeric column, category counts."""
    rows = _train_coerced(frame, schema, split)
    numeric = schema.of_kind("numeric")
    return {
        "n": {c: int(rows[c].notna().sum()) for c in numeric},
        "lo": {c: float(rows[c].min()) for c in numeric},
        "hi": {c: float(rows[c].max()) for c in numeric},
        "cats": {
            c: rows[c].value_counts().to_dict() for c in schema.of_kind("categorical", "boolean")
        },
        "rows": len(rows),
    }


def _bracket(
    frame: pd.DataFrame, schema: Schema, split: Split, bounds: dict[str, tuple[float, float]]
) -> dict[str, tuple[int, np.ndarray]]:
    """Per partition and numeric column: (values below the bracket, the values inside it)."""
    rows = _train_coerced(frame, schema, split)
    out = {}
    for name, (low, high) in bounds.items():
        values = rows[name].dropna().to_numpy()
        out[name] = (int((values < low).sum()), values[(values >= low) & (values <= high)])
    return out


def training_statistics(frame: Any, schema: Schema, split: Split) -> dict[str, Any]:
    """{"medians": {column: value}, "counts": {column: {category: n}}, "rows": training rows}."""
    from mcp_server.ml.fitting.cluster_data import per_partition

    found = per_partition(_counts, frame, schema, split)
    numeric = schema.of_kind("numeric")
    n = {c: sum(f["n"][c] for f in found) for c in numeric}
    cats: dict[str, dict[str, int]] = {}
    for name in schema.of_kind("categorical", "boolean"):
        merged: dict[str, int] = {}
        for f in found:
            for key, count in f["cats"][name].items():
                merged[str(key)] = merged.get(str(key), 0) + int(count)
        cats[name] = merged
    lows = {c: min((f["lo"][c] for f in found if f["n"][c]), default=float("nan")) for c in numeric}
    highs = {
        c: max((f["hi"][c] for f in found if f["n"][c]), default=float("nan")) for c in numeric
    }
    medians = _medians(frame, schema, split, n, lows, highs)
    return {"medians": medians, "counts": cats, "rows": sum(f["rows"] for f in found)}


def _medians(
    frame: Any,
    schema: Schema,
    split: Split,
    n: dict[str, int],
    lows: dict[str, float],
    highs: dict[str, float],
) -> dict[str, float]:
    import numpy as np

    from mcp_server.ml.fitting.cluster_data import per_partition

    medians = {c: float("nan") for c in n if not n[c]}
    todo = [c for c in n if n[c]]
    for share_low, share_high in BRACKETS:
        if not todo:
            break
        if share_high - share_low >= 1.0:
            bounds = {c: (lows[c], highs[c]) for c in todo}
        else:
            quantiles = frame[todo].quantile([share_low, share_high]).compute()
            bounds = {c: (float(quantiles[c].iloc[0]), float(quantiles[c].iloc[1])) for c in todo}
        found = per_partition(_bracket, frame, schema, split, bounds)
        for name in list(todo):
            below = sum(f[name][0] for f in found)
            inside = np.sort(np.concatenate([f[name][1] for f in found]))
            first, second = (n[name] - 1) // 2, n[name] // 2
            if below <= first and second < below + len(inside):
                medians[name] = float((inside[first - below] + inside[second - below]) / 2)
                todo.remove(name)
    return medians


def fitted_preprocessor(pipeline: Any, schema: Schema, stats: dict[str, Any]) -> Any:
    """The pipeline's preprocessing step fitted on a frame whose medians and category counts
    lead `SimpleImputer` and `OneHotEncoder(max_categories=...)` to the state the training rows
    give them (the same categories, the same frequent ones, the same medians)."""
    import pandas as pd

    from mcp_server.ml.modeling.preprocess import MAX_CATEGORIES

    columns: dict[str, list[Any]] = {}
    for name, counts in stats["counts"].items():
        columns[name] = _category_rows(counts, MAX_CATEGORIES)
    length = max((len(v) for v in columns.values()), default=1)
    frame = pd.DataFrame(
        {
            name: pd.Series(values + [values[0]] * (length - len(values)), dtype=object)
            for name, values in columns.items()
        }
    )
    for name, median in stats["medians"].items():
        frame[name] = pd.Series([median] * length, dtype="float64")
    pre = pipeline.named_steps["preprocess"]
    pre.fit(frame[schema.names])
    return pre


def _category_rows(counts: dict[str, int], max_categories: int) -> list[Any]:
    """Every category once, and the frequent ones (as `OneHotEncoder` picks them: the most
    counted, ties going to the later category in sorted order) once more, first, so padding with
    the first value keeps them frequent."""
    import numpy as np

    names = sorted(counts)
    if len(names) <= max_categories:
        return names
    order = np.argsort([counts[c] for c in names], kind="mergesort")
    frequent = [names[i] for i in order[len(names) - (max_categories - 1) :]]
    return frequent + names


__all__ = ["fitted_preprocessor", "training_statistics"]
