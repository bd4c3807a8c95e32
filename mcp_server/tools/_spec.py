"""The SPEC reader the monitoring and registry tools hand to the domain (which sits below the TDD
layer that owns SPEC parsing, so it cannot read SPEC files itself)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp_server.files.workspace import Workspace


def spec_reader(workspace: Workspace) -> Callable[[Any], Any]:
    """The monitoring layer's SpecReader: a run's SPEC (`moai.spec_id`) read with the TDD layer's
    parser."""

    def read(run: Any) -> Any:
        from mcp_server.core.errors import MoaiMlError
        from mcp_server.ml.monitoring.spec_info import SpecInfo
        from mcp_server.ml.tdd.spec import _title, ml_block, requirements, sections, split_spec

        spec_id = run.data.tags.get("moai.spec_id")
        rel = f".moai/specs/SPEC-{spec_id}/spec.md"
        if not spec_id or not (workspace.root / rel).is_file():
            return None
        try:
            body = split_spec((workspace.root / rel).read_text(encoding="utf-8"))[1]
            parts = sections(body)
            block = ml_block(parts.get("ML"))
            metric = str(block["metric"]) if block.get("metric") else None
            gates = (
                {metric: float(block["threshold"])}
                if metric and block.get("threshold") is not None
                else {}
            )
            gates.update({str(k): float(v) for k, v in (block.get("secondary") or {}).items()})
            margin = float(block.get("promotion_margin") or 0.0)
            sensitive = [str(c) for c in block.get("sensitive") or []]
        # the TDD tools explain a broken SPEC in full; here one line is enough
        except Exception as exc:
            raise MoaiMlError(f"cannot read {rel}: {str(exc)[:200]}") from exc
        return SpecInfo(
            spec_id,
            rel,
            _title(body, spec_id),
            metric,
            gates,
            margin,
            requirements(parts.get("Requirements")),
            sensitive,
        )

    return read
