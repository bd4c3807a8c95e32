"""The sections of a model card, each from what `card.build_card` gathered (`Evidence`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcp_server.ml.monitoring import card_stats

if TYPE_CHECKING:
    from mcp_server.ml.modeling.holdout_stats import Interval, Scored
    from mcp_server.ml.monitoring.spec_info import SpecInfo
    from mcp_server.ml.tracking.view import RunView

MAX_RANGES = 12


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)  # sentences, rendered as a bullet list
    table: list[list[str]] = field(default_factory=list)  # first row = header
    images: list[tuple[str, str]] = field(default_factory=list)  # (caption, `Card.images` name)
    tables: list[list[list[str]]] = field(default_factory=list)  # more tables, after `table`


@dataclass
class Evidence:
    """Everything the sections are written from."""

    run: RunView  # the run as the store hands it out (tags, metrics, verdict)
    loaded: Any  # the run's model and schema
    spec: SpecInfo | None
    data: Any  # `RunData`: table, training and holdout rows
    labels: list[str]  # the classes in the user's words (classification)
    scored: Scored
    metrics: dict[str, float | None]
    intervals: dict[str, Interval]
    baseline_how: str
    baseline: dict[str, float | None]


def _value(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def gates(ev: Evidence) -> Section:
    from mcp_server.ml.modeling.metrics_spec import get_metric, passes

    spec, verdict = ev.spec, ev.run.verdict
    if spec is None:
        return Section("SPEC and gates", ["No SPEC: the run was not checked against gates."])
    said = "not recorded" if verdict.gates == "none" else verdict.gates
    lines = [f"SPEC: {spec.spec_id} — {spec.title} ({spec.path})", f"Recorded gate verdict: {said}"]
    if verdict.reason:
        lines.append(f"Rejected because: {verdict.reason}")
    if verdict.overridden:
        used = ", ".join(verdict.overridden)
        lines.append(f"Used despite its verdict (allow_failed_gates): {used}")
    table = [["gate", "threshold", "holdout value", "95 % interval", "result"]]
    for name, threshold in spec.gates.items():
        value = ev.metrics.get(name)
        ok = value is not None and passes(get_metric(name), float(value), threshold)
        direction = ">=" if get_metric(name).greater_is_better else "<="
        interval = ev.intervals.get(name)
        table.append(
            [
                name,
                f"{direction} {threshold:g}",
                _value(value),
                interval.text() if interval else "—",
                "pass" if ok else "FAIL",
            ]
        )
    return Section("SPEC and gates", lines, table)


def metrics(ev: Evidence, images: list[tuple[str, str]]) -> Section:
    logged = ev.run.metrics
    table = [["metric", "holdout", "95 % interval", "baseline", "CV mean ± std"]]
    explained = []
    for name, value in ev.metrics.items():
        mean, std = logged.get(f"cv_{name}_mean"), logged.get(f"cv_{name}_std")
        cv = (mean, std) if mean is not None and std is not None else None
        interval = ev.intervals.get(name)
        table.append(
            [
                name,
                _value(value),
                interval.text() if interval else "—",
                _value(ev.baseline.get(name)),
                f"{mean:.4f} ± {std:.4f}" if cv else "—",
            ]
        )
        sentence = card_stats.holdout_vs_cv(name, value, cv, interval)
        if sentence and cv and abs((value or 0) - cv[0]) > cv[1]:
            explained.append(sentence)
    rows = len(ev.data.holdout)
    lines = [
        f"Holdout: {ev.data.holdout_how}; {rows} rows.",
        f"Baseline: {ev.baseline_how}, predicted for every holdout row.",
        "Intervals: 95 % bootstrap over the holdout rows (1,000 resamples)."
        if ev.intervals
        else f"Intervals: none; {rows} holdout rows are enough for a point estimate.",
        "CV columns come from ml_evaluate(cv_folds=…) or the TDD refactor step.",
        *explained,
    ]
    return Section("Metrics", lines, table, images)


def classes(ev: Evidence) -> Section | None:
    """The operating threshold and per-class results (classification only)."""
    if ev.scored.task == "regression":
        return None
    lines = card_stats.threshold_lines(ev.scored, ev.labels)
    return Section("Classes and threshold", lines, card_stats.per_class(ev.scored, ev.labels))


def subgroups(ev: Evidence) -> Section | None:
    """The primary metric per value of each column the SPEC names as sensitive."""
    if ev.spec is None or not ev.spec.sensitive:
        return None
    metric = ev.spec.metric or next(iter(ev.metrics))
    lines, found = [], []
    for column in ev.spec.sensitive:
        table = card_stats.subgroups(ev.scored, ev.data.holdout, column, metric)
        if table:
            found.append(table)
        else:
            lines.append(f"{column}: not a column of the holdout rows; no subgroup metrics.")
    lines.append(
        f"Groups with fewer than {card_stats.MIN_GROUP_ROWS} holdout rows are left out; small "
        "groups carry wide uncertainty."
    )
    return Section("Subgroups", lines, tables=found)


def intended(spec: SpecInfo | None, schema: Any) -> Section:
    if spec is not None and spec.requirements:
        lines = [
            text if text.lower().startswith(kind.lower()) else f"{kind}: {text}"
            for kind, text in spec.requirements[:6]
        ]
    else:
        lines = [
            f"Predicting {schema.target} ({schema.task}) for rows shaped like the training table."
        ]
    lines.append("Not for decisions about people without a fairness review of the data and errors.")
    return Section("Intended use", lines)


def limits(schema: Any, data: Any) -> Section:
    lines = [
        f"Learned from {len(data.train)} rows; rows unlike them (new categories, values outside "
        "the training ranges below) are extrapolation."
    ]
    ranges = [
        f"{f.name} {f.minimum:g} … {f.maximum:g}" for f in schema.features if f.minimum is not None
    ]
    if ranges:
        more = len(ranges) - MAX_RANGES
        extra = f" (and {more} more in schema.json)" if more > 0 else ""
        lines.append(f"Training ranges: {'; '.join(ranges[:MAX_RANGES])}{extra}")
    if len(data.holdout) < 200:
        lines.append(
            f"The holdout has only {len(data.holdout)} rows: its metrics carry wide uncertainty "
            "(see the intervals)."
        )
    lines.append(
        "Performance estimates without labels assume the feature-target relation has not changed."
    )
    return Section("Limits", lines)
