"""A model's life after training, as its card reports it: the newest drift check and the newest
performance check about it, each with its date and verdict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcp_server.core import layout
from mcp_server.ml.modeling.metrics import rnd

MAX_ALERTS = 5


def _newest(folder: Path, pattern: str) -> list[tuple[str, dict[str, Any]]]:
    """Readable JSON reports under `folder`, newest first, as (their folder's date stamp, data)."""
    found = []
    for report in sorted(folder.glob(pattern), reverse=True) if folder.is_dir() else []:
        try:
            found.append((report.parent.name, json.loads(report.read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            continue
    return found


def _date(stamp: str) -> str:
    """`20261206-095252-…` as `2026-12-06 09:52 UTC`."""
    day, _, clock = stamp.partition("-")
    if len(day) != 8 or len(clock) < 4:
        return stamp
    return f"{day[:4]}-{day[4:6]}-{day[6:]} {clock[:2]}:{clock[2:4]} UTC"


def drift_status(root: Path, run_id: str) -> tuple[str, list[str]]:
    """The newest drift report about this run's model ('unchecked' when it was never checked)."""
    for stamp, found in _newest(root / layout.DRIFT_REPORTS, "*/drift.json"):
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
            f"Latest check ({_date(stamp)}): {headline}",
            f"Evidently's dataset verdict: drifted share {share} "
            f"({'drift' if found.get('dataset_drift') else 'below 0.5'})",
            f"Drifted columns, most important first: {', '.join(drifted[:15]) or 'none'}",
            f"Current rows: {found.get('current')}",
        ]
    return "unchecked", [
        "Not checked yet: run ml_detect_drift with this run (or its models:/ URI) as reference."
    ]


def monitoring_status(root: Path, run_id: str) -> list[str]:
    """The newest performance check of this run: its date, chunks and alerts."""
    reports = _newest(root / layout.PERFORMANCE_REPORTS / run_id, "*/performance.json")
    if not reports:
        return [
            "Not monitored yet: run ml_monitor_performance with this run and labelled new rows."
        ]
    stamp, found = reports[0]
    alerts = list(found.get("alerts") or [])
    kind = "estimated without labels" if found.get("estimated") else "measured"
    lines = [
        f"Latest check ({_date(stamp)}): {len(found.get('chunks') or [])} chunk(s), {kind}, "
        f"{len(alerts)} alert(s)"
    ]
    lines += [f"Alert: {alert}" for alert in alerts[:MAX_ALERTS]]
    if len(alerts) > MAX_ALERTS:
        lines.append(f"… and {len(alerts) - MAX_ALERTS} more in the report")
    return lines
