"""The one way a SPEC is read (`load_spec`): its file, found and parsed by `document`, and the
caller's fields (a tool argument wins over the file, so a SPEC file is optional), validated by
`fields`. Validation names every missing required field at once, lists valid names for unknown
metrics, tasks and models, and leaves the checks against the data to the TDD layer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mcp_server.core.errors import SpecError, WorkspaceError
from mcp_server.core.names import SPEC_FILE_ID
from mcp_server.files.workspace import Workspace
from mcp_server.ml.modeling.metrics_spec import check_threshold, get_metric
from mcp_server.ml.spec import acceptance
from mcp_server.ml.spec import fields as rules
from mcp_server.ml.spec.acceptance import Scenario
from mcp_server.ml.spec.document import (
    ml_block,
    read_spec_text,
    requirements,
    sections,
    spec_file,
    split_spec,
    title,
)
from mcp_server.ml.spec.moai_format import frontmatter_warnings
from mcp_server.ml.spec.moai_format import spec_id as moai_spec_id

_ID = re.compile(SPEC_FILE_ID)


@dataclass
class MlSpec:
    spec_id: str
    title: str
    spec_rel: str | None  # the SPEC file relative to the workspace, if there is one
    dataset: str
    target: str
    task: str
    metric: str
    threshold: float
    baseline_margin: float
    secondary: dict[str, float]
    test_size: float
    cv_folds: int
    seed: int
    candidates: list[str] | None
    drop: list[str]
    max_latency_ms: float
    max_model_mb: float
    tune_budget_s: float | None = None
    promotion_margin: float = 0.0  # how far a challenger must beat the champion (ml_promote)
    sensitive: list[str] = field(default_factory=list)  # columns for the card's subgroup metrics
    kind: str | None = None  # the kind of data (`kind:`; None: detected from the dataset)
    kind_options: dict[str, Any] = field(default_factory=dict)  # a series' time_column, horizon...
    cluster: str | None = None  # where its fits run (`ml/cluster/engine.choose`); None: the setting
    group_column: str | None = None  # an entity's rows stay on one side of every split; no feature
    requirements: list[tuple[str, str]] = field(default_factory=list)  # (GEARS/EARS type, text)
    warnings: list[str] = field(default_factory=list)
    acceptance: list[Scenario] = field(
        default_factory=list
    )  # acceptance.md's Given/When/Then scenarios

    @property
    def module(self) -> str:
        """`ML-001` -> `ml_001`: the generated module and file names."""
        from mcp_server.files.render import to_identifier

        return to_identifier(self.spec_id, fallback="spec")


def load_spec(
    workspace: Workspace, spec_path: str | None, overrides: dict[str, Any] | None = None
) -> MlSpec:
    """Read the SPEC (if any), apply the caller's fields, validate names and types."""
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    meta: dict[str, Any] = {}
    body = ""
    rel = None
    if spec_path:
        path = spec_file(workspace, spec_path)
        text = read_spec_text(path, f"the SPEC {spec_path!r}")
        meta, body = split_spec(text)
        rel = workspace.relative(path)
        if not rel.isprintable():  # the path goes into generated TAG comments: no line breaks
            raise SpecError(
                f"the SPEC path {rel!r} contains control characters; rename it and give "
                "spec_path the new name"
            )
    parts = sections(body)
    given = {k: v for k, v in overrides.items() if k in rules.FIELDS}
    values = {**ml_block(parts.get("ML")), **given}
    spec_id = moai_spec_id(overrides.get("spec_id") or meta.get("id"))
    spec = _build(spec_id, meta, body, rel, values, requirements(parts.get("Requirements")))
    if spec_path:
        spec.acceptance = acceptance.read(spec_file(workspace, spec_path))
        spec.warnings += [
            f"acceptance scenario {s.label!r} names no metric with a number and no known "
            "behaviour: "
            "not turned into a test"
            for s in spec.acceptance
            if s.kind is None
        ]
    return spec


def spec_of(workspace: Workspace, spec_id: str | None) -> MlSpec | None:
    """The SPEC a run names (its `spec_id`), or None when it names none or that SPEC has no file;
    a SPEC file that is there but broken raises."""
    if not spec_id:
        return None
    try:
        spec_file(workspace, spec_id)
    except WorkspaceError:
        return None
    return load_spec(workspace, spec_id)


def _build(
    spec_id: str,
    meta: dict[str, Any],
    body: str,
    rel: str | None,
    given: dict[str, Any],
    reqs: list[tuple[str, str]],
) -> MlSpec:
    missing = [name for name in rules.ML_REQUIRED if given.get(name) in (None, "")]
    if not spec_id:
        missing.insert(0, "id")
    if missing:
        where = f"the SPEC {rel}" if rel else "the tool arguments (no SPEC file was given)"
        raise SpecError(
            f"missing required field(s): {', '.join(missing)} in {where}; add them to the "
            "frontmatter (id) or the '## ML' yaml block, or pass them as tool arguments "
            "(fields= in the TDD tools)"
        )
    if not _ID.match(spec_id):
        raise SpecError(
            f"SPEC id {spec_id!r} is not valid; use letters, digits and dashes such as ML-001 "
            "(the frontmatter's id, or spec_id=)"
        )
    spec = MlSpec(
        spec_id=spec_id,
        title=title(body, spec_id),
        spec_rel=rel,
        requirements=reqs,
        **rules.checked({**rules.DEFAULTS, **given}),
    )
    spec.warnings = frontmatter_warnings(meta) if rel else []
    check_names(spec, None if spec.task == "auto" else spec.task)
    return spec


def check_names(spec: MlSpec, task: str | None) -> None:
    """Metric, gates and candidates exist (and fit the task once it is known)."""
    from mcp_server.ml.modeling.registry import REGISTRY

    metric = get_metric(spec.metric, task)
    check_threshold(metric, spec.threshold, "threshold")
    for name, value in spec.secondary.items():
        check_threshold(get_metric(name, task), value, f"secondary.{name}")
    for name in spec.candidates or []:
        if name not in REGISTRY:
            raise SpecError(
                f"unknown model {name!r} in the SPEC's candidates; "
                f"valid models: {', '.join(REGISTRY)}"
            )
        if task is not None and task not in REGISTRY[name].tasks:
            from mcp_server.ml.modeling.catalog import models_for

            raise SpecError(
                f"model {name!r} in the SPEC's candidates cannot do {task}; valid for {task}: "
                f"{', '.join(models_for(task))}"
            )
