"""A model card for a run or model version, written to be signed by a reviewer: the model and its
data, the SPEC's gates with 95 % intervals, holdout metrics against the baseline and against CV
(with why they differ), the threshold and per-class results, subgroups the SPEC names as
sensitive, the plots (ROC, PR, calibration, importance, confusion; residuals for a regressor),
intended use, limits, and the latest drift and monitoring checks. `card_render` writes it as
Markdown and as one self-contained HTML file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mcp_server.ml.monitoring import card_sections as sections
from mcp_server.ml.monitoring.card_sections import Evidence, Section
from mcp_server.ml.monitoring.card_status import drift_status, monitoring_status
from mcp_server.ml.monitoring.spec_info import SpecReader
from mcp_server.ml.tracking import tags

if TYPE_CHECKING:
    from mcp_server.ml.tracking.runs import RunStore

MAX_IMPORTANCE_ROWS = 2000

__all__ = ["Card", "Section", "build_card", "drift_status"]


@dataclass
class Card:
    title: str
    run_id: str
    sections: list[Section]
    images: dict[str, bytes]
    gates_passed: bool | None
    drift: str
    metrics: dict[str, float | None]


def build_card(store: RunStore, ref: str, scratch: Path, specs: SpecReader) -> Card:
    from mcp_server.ml.tracking.model_registry import resolve_run_id

    run_id = resolve_run_id(store, ref)
    ev = _evidence(store, run_id, scratch, specs)
    images = _plots(ev, scratch)
    drift, drift_lines = drift_status(store.root, run_id)
    captions = [(name.removesuffix(".png").replace("_", " ").capitalize(), name) for name in images]
    found = [
        _details(ev, ref, _versions(store, run_id)),
        _data(ev),
        sections.gates(ev),
        sections.metrics(ev, captions),
        sections.classes(ev),
        sections.subgroups(ev),
        sections.intended(ev.spec, ev.loaded.schema),
        sections.limits(ev.loaded.schema, ev.data),
        Section("Drift status", drift_lines),
        Section("Monitoring", monitoring_status(store.root, run_id)),
    ]
    title = f"Model card: {ev.run.model or 'model'} for {ev.loaded.schema.target}"
    return Card(
        title=title + (f" ({ev.spec.spec_id})" if ev.spec else ""),
        run_id=run_id,
        sections=[s for s in found if s is not None],
        images=images,
        gates_passed=ev.run.verdict.gates_passed,
        drift=drift,
        metrics=ev.metrics,
    )


def _evidence(store: RunStore, run_id: str, scratch: Path, specs: SpecReader) -> Evidence:
    from mcp_server.ml.fitting.holdout_scoring import score
    from mcp_server.ml.modeling.holdout_stats import baseline, intervals, prior_of
    from mcp_server.ml.modeling.preprocess import encode_target
    from mcp_server.ml.monitoring.scoring import score_rows
    from mcp_server.ml.tracking.run_data import run_data

    run, loaded = store.get_run(run_id), store.load_run(run_id)
    schema = loaded.schema
    data = run_data(store, run, schema, scratch)
    scored = score_rows(loaded, data.holdout)
    n_classes = len(schema.classes)
    metrics, _ = score(schema.task, scored.y, scored.pred, scored.proba, n_classes)
    train = data.train.loc[data.train[schema.target].notna(), schema.target]
    prior = prior_of(encode_target(train, schema), schema.task, n_classes)
    how, base = baseline(scored, prior)
    base_metrics, _ = score(schema.task, base.y, base.pred, base.proba, n_classes)
    return Evidence(
        run=run,
        loaded=loaded,
        spec=specs(run),
        data=data,
        labels=[str(c) for c in schema.classes],
        scored=scored,
        metrics=metrics,
        intervals=intervals([n for n, v in metrics.items() if v is not None], scored),
        baseline_how=how,
        baseline=base_metrics,
    )


def _plots(ev: Evidence, out: Path) -> dict[str, bytes]:
    """ROC, PR, calibration, confusion (classification) or residuals and actual vs predicted,
    and the feature importance, drawn on the holdout rows."""
    from mcp_server.ml.fitting import plots
    from mcp_server.ml.fitting.evaluation import importance
    from mcp_server.ml.modeling.metrics import confusion
    from mcp_server.ml.modeling.preprocess import coerce_frame

    s, labels = ev.scored, ev.labels
    if s.task == "regression":
        plots.residuals_png(s.y, s.pred, out / "residuals.png")
        plots.actual_vs_predicted_png(s.y, s.pred, out / "actual_vs_predicted.png")
        names = ["residuals.png", "actual_vs_predicted.png"]
    else:
        plots.confusion_matrix_png(
            confusion(s.y, s.pred, len(labels)), labels, out / "confusion.png"
        )
        names = ["confusion.png"]
        if s.proba is not None and len(set(s.y.tolist())) > 1:
            plots.roc_png(s.y, s.proba, labels, out / "roc_curve.png")
            plots.pr_png(s.y, s.proba, labels, out / "precision_recall.png")
            plots.calibration_png(s.y, s.proba, labels, out / "calibration.png")
            names += ["roc_curve.png", "precision_recall.png", "calibration.png"]
    rows = ev.data.holdout.loc[ev.data.holdout[ev.loaded.schema.target].notna()]
    rows = rows.head(MAX_IMPORTANCE_ROWS)
    X = coerce_frame(rows, ev.loaded.schema)
    found, values, method = importance(ev.loaded.model, X, s.y[: len(rows)], ev.loaded.schema, 0)
    if found:
        plots.importance_png(found, values, method, out / "feature_importance.png")
        names.append("feature_importance.png")
    return {name: (out / name).read_bytes() for name in names}


def _versions(store: RunStore, run_id: str) -> list[str]:
    from mcp_server.ml.tracking.model_registry import versions_of_run

    return [
        f"models:/{v.name}/{v.version}" + "".join(f" @{a}" for a in v.aliases)
        for v in versions_of_run(store, run_id)
    ]


def _details(ev: Evidence, ref: str, versions: list[str]) -> Section:
    from datetime import UTC, datetime

    run, loaded = ev.run, ev.loaded
    started = datetime.fromtimestamp(run.start_ms / 1000, tz=UTC)
    family = loaded.model_name or run.model or "?"
    registered = ", ".join(versions) if versions else "not registered (ml_register_model)"
    lines = [
        f"Model family: {family} ({loaded.schema.task})",
        f"Run: {run.run_id} ({run.kind}, {started:%Y-%m-%d %H:%M} UTC)",
        f"Registered as: {registered}",
    ]
    if ref != run.run_id:
        lines.append(f"Card asked for: {ref}")
    return Section("Model details", lines)


def _data(ev: Evidence) -> Section:
    schema, data, run = ev.loaded.schema, ev.data, ev.run
    kinds: dict[str, int] = {}
    for f in schema.features:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    classes = f" with classes {', '.join(ev.labels[:10])}" if ev.labels else ""
    sha = (run.tag(tags.DATA_SHA256) or "?")[:16]
    lines = [
        f"Table: {run.tag(tags.DATA_PATH) or '?'} (sha256 {sha}…)",
        f"Rows: {len(data.frame)}; trained on {len(data.train)}, held out {len(data.holdout)}",
        f"Target: {schema.target}{classes}",
        f"Features: {len(schema.features)} "
        f"({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))})",
    ]
    if schema.dropped:
        dropped = ", ".join(f"{k} ({v})" for k, v in list(schema.dropped.items())[:10])
        lines.append(f"Not used: {dropped}")
    return Section("Data", lines)
