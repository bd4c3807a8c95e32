"""A SPEC's gates applied to any run: which thresholds and budgets a run's numbers meet.

The TDD phases measure their gates by running the generated tests; `ml_train(spec_id=...)`
measures the same gates on its holdout, so every run of a SPEC carries a verdict
(`tracking.verdict.Verdict`) that export, serving and the registry read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcp_server.core.errors import MoaiMlError
from mcp_server.ml.modeling.metrics_spec import get_metric, passes
from mcp_server.ml.tracking.verdict import Verdict

if TYPE_CHECKING:
    from mcp_server.files.workspace import Workspace
    from mcp_server.ml.spec.reader import MlSpec


def find_spec(workspace: Workspace, spec_id: str | None) -> MlSpec | None:
    """The SPEC of that id if its file exists (a run may name a SPEC that has no file)."""
    from mcp_server.ml.spec.reader import load_spec

    if not spec_id:
        return None
    try:
        return load_spec(workspace, spec_id)
    except MoaiMlError:
        return None


def unmet_gates(
    spec: MlSpec,
    holdout: dict[str, float | None],
    model_mb: float | None = None,
    latency_ms: float | None = None,
) -> list[str]:
    """Each gate the numbers miss, as `metric value vs threshold` (a missing value misses)."""
    out = []
    for name, threshold in {spec.metric: spec.threshold, **spec.secondary}.items():
        metric = get_metric(name)
        value = holdout.get(name)
        if value is None or not passes(metric, float(value), threshold):
            sign = ">=" if metric.greater_is_better else "<="
            out.append(
                f"{name} {value if value is None else round(float(value), 4)} (needs "
                f"{sign} {threshold})"
            )
    if model_mb is not None and model_mb > spec.max_model_mb:
        out.append(f"model size {model_mb:.2f} MB (budget {spec.max_model_mb} MB)")
    if latency_ms is not None and latency_ms > spec.max_latency_ms:
        out.append(f"latency {latency_ms:.2f} ms (budget {spec.max_latency_ms} ms)")
    return out


def cv_verdict(workspace: Workspace, spec_id: str | None, metric: str, cv_mean: float) -> Verdict:
    """A tuned model against its SPEC's gates, measured by CV (a tune run has no holdout): a gate
    whose metric was not the one searched is unmeasured, so it is not met. Kept without SPEC
    gates."""
    spec = find_spec(workspace, spec_id)
    if spec is None:
        return Verdict.against_gates(None)
    note = f" (CV {metric}; ml_evaluate the run on a holdout)"
    return Verdict.against_gates(unmet_gates(spec, {metric: cv_mean}), note)
