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


MAX_METRIC_PANELS = 4


def plotted_metrics(primary: str, chunks: list[Any]) -> list[str]:
    """The metrics that alerted in some chunk (most alerts first), then the primary metric."""
    counts: dict[str, int] = {}
    for chunk in chunks:
        for name in chunk.failed:
            counts[name] = counts.get(name, 0) + 1
    alerted = sorted(counts, key=lambda name: (-counts[name], name))
    return list(dict.fromkeys([*alerted, primary]))[:MAX_METRIC_PANELS]


def chunks_png(
    report: Any,
    path: Path,
) -> list[str]:
    """One panel per metric that alerted (and the primary metric): its value per chunk, the
    training holdout, the SPEC gate, a red cross where the gate would now fail. Returns the
    metrics drawn. `report` is a `performance.PerformanceReport`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = plotted_metrics(report.metric, report.chunks)
    labels = [str(c.label) for c in report.chunks]
    fig, axes = plt.subplots(
        len(metrics), 1, figsize=(7.5, 2.4 * len(metrics) + 0.6), dpi=90, squeeze=False
    )
    for ax, metric in zip(axes[:, 0], metrics, strict=True):
        _metric_panel(ax, report, metric, labels)
    step = max(1, len(labels) // 12)
    bottom = axes[-1, 0]
    bottom.set_xticks(range(0, len(labels), step), [_short(x) for x in labels[::step]])
    bottom.tick_params(axis="x", labelrotation=30, labelsize=8)
    for ax in axes[:-1, 0]:
        ax.tick_params(axis="x", labelbottom=False)
    kind = "estimated (no labels)" if report.estimated else "measured"
    fig.suptitle(f"Metrics per chunk, {kind}: red x = the SPEC gate would fail", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, format="png", bbox_inches="tight", pad_inches=0.15)
    plt.close(fig)
    return metrics


def _metric_panel(ax: Any, report: Any, metric: str, labels: list[str]) -> None:
    values = [c.values.get(metric) for c in report.chunks]
    ys = [float("nan") if v is None else v for v in values]
    x = list(range(len(labels)))
    ax.plot(x, ys, marker="o", linestyle="--" if report.estimated else "-", label=metric)
    failed = [i for i, c in enumerate(report.chunks) if metric in c.failed]
    if failed:
        ax.scatter(failed, [ys[i] for i in failed], marker="x", s=70, color="tab:red", zorder=3)
    holdout, gate = report.holdout.get(metric), report.gates.get(metric)
    if holdout is not None:
        ax.axhline(holdout, color="tab:green", linewidth=1, label="training holdout")
    if gate is not None:
        ax.axhline(gate, color="tab:red", linewidth=1, linestyle=":", label="SPEC gate")
    ax.set_ylabel(metric, fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(fontsize=7, loc="best")


def _short(label: str) -> str:
    """A chunk label shortened for an axis: a timestamp loses its zero time of day."""
    text = label.replace(" 00:00:00", "").replace("T00:00:00", "")
    return text if len(text) <= 22 else text[:21] + "…"
