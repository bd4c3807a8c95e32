"""A model card for a run or model version: data, SPEC and gates, holdout metrics with CV ± std,
plots, intended use, limits and drift status. `card_render` writes it as Markdown and as one
self-contained HTML file."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.ml.modeling.metrics import rnd
from mcp_server.ml.monitoring.spec_info import SpecReader

if TYPE_CHECKING:
    from mcp_server.ml.tracking.runs import RunStore

DRIFT_REPORTS = ".moai/ml/reports/drift"
MAX_RANGES = 12


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)  # plain sentences, rendered as a bullet list
    table: list[list[str]] = field(default_factory=list)  # first row = header
    images: list[tuple[str, str]] = field(
        default_factory=list
    )  # (caption, file name in `Card.images`)


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
    from mcp_server.ml.fitting.training import predict_both, score
    from mcp_server.ml.tracking.model_registry import resolve_run_id
    from mcp_server.ml.tracking.run_data import run_data

    run_id = resolve_run_id(store, ref)
    run, loaded = store.get_run(run_id), store.load_run(run_id)
    schema, tags = loaded.schema, run.data.tags
    spec = specs(run)
    data = run_data(store, run, schema.target, scratch)
    from mcp_server.ml.modeling.preprocess import coerce_frame, encode_target

    y = encode_target(data.holdout[schema.target], schema)
    pred, proba = predict_both(loaded.model, coerce_frame(data.holdout, schema), schema.task)
    metrics, matrix = score(schema.task, y, pred, proba, len(schema.classes))
    images = _plots(schema.task, y, pred, proba, [str(c) for c in schema.classes], matrix, scratch)
    drift, drift_lines = drift_status(store.root, run_id)
    verdict = tags.get("moai.gates_passed")
    sections = [
        _details(run, loaded, ref, _versions(store, run_id)),
        _data(tags, schema, data),
        _gates(spec, metrics, verdict, tags),
        _metrics(metrics, run.data.metrics, data.holdout_how, list(images)),
        _intended(spec, schema),
        _limits(schema, data),
        Section("Drift status", drift_lines),
    ]
    title = f"Model card: {tags.get('moai.model', 'model')} for {schema.target}" + (
        f" ({spec.spec_id})" if spec else ""
    )
    return Card(
        title=title,
        run_id=run_id,
        sections=sections,
        images=images,
        gates_passed=None if verdict is None else verdict == "true",
        drift=drift,
        metrics=metrics,
    )


def _plots(
    task: str, y: Any, pred: Any, proba: Any, labels: list[str], matrix: Any, out: Path
) -> dict[str, bytes]:
    from mcp_server.ml.fitting import plots

    made: dict[str, bytes] = {}
    if task == "regression":
        plots.residuals_png(y, pred, out / "residuals.png")
        plots.actual_vs_predicted_png(y, pred, out / "actual_vs_predicted.png")
        names = ["residuals.png", "actual_vs_predicted.png"]
    else:
        plots.confusion_matrix_png(matrix, labels, out / "confusion_matrix.png")
        names = ["confusion_matrix.png"]
        if proba is not None and len(set(y.tolist())) > 1:
            plots.roc_png(y, proba, labels, out / "roc_curve.png")
            names.append("roc_curve.png")
    for name in names:
        made[name] = (out / name).read_bytes()
    return made


def _versions(store: RunStore, run_id: str) -> list[str]:
    try:
        found = store.client.search_model_versions(f"run_id = '{run_id}'")
    except Exception:  # a store without a registry still has a card
        return []
    return [
        f"models:/{v.name}/{v.version}" + "".join(f" @{a}" for a in v.aliases or []) for v in found
    ]


def _details(run: Any, loaded: Any, ref: str, versions: list[str]) -> Section:
    from datetime import UTC, datetime

    tags = run.data.tags
    started = datetime.fromtimestamp((run.info.start_time or 0) / 1000, tz=UTC).strftime(
        "%Y-%m-%d %H:%M UTC"
    )
    lines = [
        f"Model family: {loaded.model_name or tags.get('moai.model', '?')} ({loaded.schema.task})",
        f"Run: {run.info.run_id} ({tags.get('moai.kind', 'run')}, {started})",
        "Registered as: "
        f"{', '.join(versions) if versions else 'not registered (ml_register_model)'}",
    ]
    if ref != run.info.run_id:
        lines.append(f"Card asked for: {ref}")
    return Section("Model details", lines)


def _data(tags: dict[str, str], schema: Any, data: Any) -> Section:
    kinds: dict[str, int] = {}
    for f in schema.features:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    classes = f" with classes {', '.join(map(str, schema.classes[:10]))}" if schema.classes else ""
    sha = tags.get("moai.data_sha256", "?")[:16]
    lines = [
        f"Table: {tags.get('moai.data_path', '?')} (sha256 {sha}…)",
        f"Rows: {len(data.frame)}; trained on {len(data.train)}, held out {len(data.holdout)}",
        f"Target: {schema.target}{classes}",
        f"Features: {len(schema.features)} "
        f"({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))})",
    ]
    if schema.dropped:
        dropped = ", ".join(f"{k} ({v})" for k, v in list(schema.dropped.items())[:10])
        lines.append(f"Not used: {dropped}")
    return Section("Data", lines)


def _gates(
    spec: Any, metrics: dict[str, Any], verdict: str | None, tags: dict[str, str]
) -> Section:
    from mcp_server.ml.modeling.metrics_spec import get_metric, passes

    if spec is None:
        return Section("SPEC and gates", ["No SPEC: the run was not checked against gates."])
    said = {"true": "passed", "false": "failed"}.get(verdict or "", "not recorded")
    lines = [f"SPEC: {spec.spec_id} — {spec.title} ({spec.path})", f"Recorded gate verdict: {said}"]
    if tags.get("moai.rejected_reason"):
        lines.append(f"Rejected because: {tags['moai.rejected_reason']}")
    table = [["gate", "threshold", "holdout value", "result"]]
    for name, threshold in spec.gates.items():
        value = metrics.get(name)
        ok = value is not None and passes(get_metric(name), float(value), threshold)
        direction = ">=" if get_metric(name).greater_is_better else "<="
        table.append(
            [
                name,
                f"{direction} {threshold:g}",
                "n/a" if value is None else f"{value:.4f}",
                "pass" if ok else "FAIL",
            ]
        )
    return Section("SPEC and gates", lines, table)


def _metrics(
    metrics: dict[str, Any], logged: dict[str, float], how: str, images: list[str]
) -> Section:
    table = [["metric", "holdout", "CV mean ± std"]]
    for name, value in metrics.items():
        mean, std = logged.get(f"cv_{name}_mean"), logged.get(f"cv_{name}_std")
        cv = f"{mean:.4f} ± {std:.4f}" if mean is not None and std is not None else "—"
        table.append([name, "n/a" if value is None else f"{value:.4f}", cv])
    captions = [(name.removesuffix(".png").replace("_", " ").capitalize(), name) for name in images]
    lines = [
        f"Holdout: {how}.",
        "CV columns come from ml_evaluate(cv_folds=…) or the TDD refactor step.",
    ]
    return Section("Metrics", lines, table, captions)


def _intended(spec: Any, schema: Any) -> Section:
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


def _limits(schema: Any, data: Any) -> Section:
    lines = [
        f"Learned from {len(data.train)} rows; rows unlike them (new categories, values outside "
        "the training ranges below) are extrapolation."
    ]
    ranges = [
        f"{f.name} {f.minimum:g} … {f.maximum:g}" for f in schema.features if f.minimum is not None
    ]
    if ranges:
        more = (
            f" (and {len(ranges) - MAX_RANGES} more in schema.json)"
            if len(ranges) > MAX_RANGES
            else ""
        )
        lines.append(f"Training ranges: {'; '.join(ranges[:MAX_RANGES])}{more}")
    if len(data.holdout) < 200:
        lines.append(
            f"The holdout has only {len(data.holdout)} rows: its metrics carry wide uncertainty."
        )
    lines.append(
        "Performance estimates without labels assume the feature-target relation has not changed."
    )
    return Section("Limits", lines)


def drift_status(root: Path, run_id: str) -> tuple[str, list[str]]:
    """The newest drift report about this run's model ('none' when it was never checked)."""
    folder = root / DRIFT_REPORTS
    for report in sorted(folder.glob("*/drift.json"), reverse=True) if folder.is_dir() else []:
        try:
            found = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if found.get("model_run_id") != run_id:
            continue
        drift = found.get("drift", found.get("dataset_drift"))
        verdict = "drift" if drift else "no drift"
        weights = found.get("weights") or {}
        drifted = [c["column"] for c in found.get("columns", []) if c.get("drifted")]
        drifted.sort(key=lambda name: -weights.get(name, 0.0))
        share = rnd(found.get("drifted_share", 0.0))
        headline = found.get("headline") or f"{verdict}, drifted share {share}"
        return verdict, [
            f"Latest check ({report.parent.name}): {headline}",
            f"Evidently's dataset verdict: drifted share {share} "
            f"({'drift' if found.get('dataset_drift') else 'below 0.5'})",
            f"Drifted columns, most important first: {', '.join(drifted[:15]) or 'none'}",
            f"Current rows: {found.get('current')}",
        ]
    return "unchecked", [
        "Not checked yet: run ml_detect_drift with this run (or its models:/ URI) as reference."
    ]
