"""Monitoring figures (matplotlib, Agg): the drifted columns' distributions, metrics per chunk."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

MAX_PANELS = 6
MAX_BARS = 12


def drift_png(
    reference: pd.DataFrame, current: pd.DataFrame, columns: list[tuple[str, str]], path: Path
) -> bool:
    """Reference vs current distribution of each (column, kind), up to six panels; False if none."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = columns[:MAX_PANELS]
    if not shown:
        return False
    cols = min(3, len(shown))
    rows = (len(shown) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.6 * rows), dpi=80, squeeze=False)
    for ax in axes.flat[len(shown) :]:
        ax.axis("off")
    for ax, (name, kind) in zip(axes.flat, shown, strict=False):
        _panel(ax, reference[name], current[name], kind)
        ax.set_title(str(name)[:30], fontsize=9)
    fig.suptitle("Drifted columns: reference (blue) vs current (orange)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
    return True


def _panel(ax: Any, reference: pd.Series, current: pd.Series, kind: str) -> None:
    import numpy as np

    from mcp_server.ml.monitoring.stattests import clean

    ref, cur = clean(reference), clean(current)
    if kind == "numerical":
        both = np.concatenate([ref.to_numpy(dtype=float), cur.to_numpy(dtype=float)])
        bins = np.histogram_bin_edges(both, bins="sturges") if both.size else 10
        ax.hist(ref, bins=bins, alpha=0.55, density=True, color="tab:blue")
        ax.hist(cur, bins=bins, alpha=0.55, density=True, color="tab:orange")
    else:
        ref_share = ref.astype(str).value_counts(normalize=True)
        cur_share = cur.astype(str).value_counts(normalize=True)
        keys = list(
            ref_share.add(cur_share, fill_value=0).sort_values(ascending=False).index[:MAX_BARS]
        )
        x = np.arange(len(keys))
        ax.bar(x - 0.2, [ref_share.get(k, 0) for k in keys], 0.4, color="tab:blue")
        ax.bar(x + 0.2, [cur_share.get(k, 0) for k in keys], 0.4, color="tab:orange")
        ax.set_xticks(x, [k[:10] for k in keys], rotation=45, fontsize=7)
    ax.tick_params(labelsize=7)


def chunks_png(
    labels: list[str],
    values: list[float | None],
    baseline: float | None,
    gate: float | None,
    metric: str,
    estimated: bool,
    path: Path,
) -> None:
    """The metric per chunk against the holdout value and the gate."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.0, 3.2), dpi=80)
    x = list(range(len(labels)))
    ys = [float("nan") if v is None else v for v in values]
    ax.plot(
        x,
        ys,
        marker="o",
        linestyle="--" if estimated else "-",
        label=f"{metric}{' (estimated)' if estimated else ''}",
    )
    if baseline is not None:
        ax.axhline(baseline, color="tab:green", linewidth=1, label="training holdout")
    if gate is not None:
        ax.axhline(gate, color="tab:red", linewidth=1, linestyle=":", label="SPEC gate")
    step = max(1, len(labels) // 10)
    ax.set_xticks(x[::step], [str(label)[:16] for label in labels[::step]], rotation=30, fontsize=7)
    ax.set_ylabel(metric)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
