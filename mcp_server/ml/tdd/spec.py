"""Reading a MoAI SPEC: frontmatter, the EARS body and the machine-readable `## ML` yaml block.

Every ML field can also come from the caller (a tool argument wins over the file), so a SPEC
file is optional. Validation names every missing required field at once, lists valid names for
unknown metrics, tasks and models, and leaves the checks against the data to `tdd_context`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcp_server.core import layout
from mcp_server.core.errors import SpecError
from mcp_server.core.names import SPEC_FILE_ID, TASK_CHOICES
from mcp_server.files.workspace import Workspace
from mcp_server.ml.modeling.metrics_spec import check_threshold, get_metric, valid
from mcp_server.ml.tdd import acceptance
from mcp_server.ml.tdd.acceptance import Scenario
from mcp_server.ml.tdd.moai_format import frontmatter_warnings, requirement_kind
from mcp_server.ml.tdd.moai_format import spec_id as moai_spec_id
from mcp_server.safety.guards import load_yaml
from mcp_server.safety.guards import show as _show

ML_REQUIRED = ("dataset", "target", "metric", "threshold")
TASKS = TASK_CHOICES
_ID = re.compile(SPEC_FILE_ID)
_FENCE = re.compile(r"```(?:yaml|yml)[ \t]*\n(.*?)```", re.S)
DEFAULTS: dict[str, Any] = {
    "task": "auto",
    "baseline_margin": 0.0,
    "secondary": {},
    "test_size": 0.2,
    "cv_folds": 5,
    "seed": 42,
    "candidates": None,  # filled from the registry once the task is known
    "drop": [],
    "max_latency_ms": 100.0,
    "max_model_mb": 100.0,
    # REFACTOR tunes within this many seconds when a gate is unmet (None: never)
    "tune_budget_s": None,
    # ml_promote's required win over the current champion (ml/monitoring/promotion.py)
    "promotion_margin": 0.0,
    # columns the model card reports subgroup metrics for (people-related attributes)
    "sensitive": [],
}
FIELDS = (*ML_REQUIRED, *DEFAULTS)


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
    promotion_margin: float = 0.0
    sensitive: list[str] = field(default_factory=list)
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


def spec_file(workspace: Workspace, spec_path: str) -> Path:
    """A path to spec.md, a SPEC directory, or an id (`ML-001`, `SPEC-ML-001`)."""
    raw = spec_path.strip()
    if _ID.match(raw) and "/" not in raw and not raw.endswith(".md"):
        name = raw if raw.upper().startswith("SPEC-") else f"SPEC-{raw}"
        return workspace.resolve(layout.spec_file(name), must_exist=True)
    path = workspace.resolve(raw, must_exist=True)
    if path.is_dir():
        path = workspace.resolve(Path(raw) / "spec.md", must_exist=True)
    return path


def split_spec(text: str) -> tuple[dict[str, Any], str]:
    """(frontmatter dict, body) of a MoAI SPEC; a file without frontmatter gives {}."""
    import yaml

    if not text.startswith("---"):
        return {}, text
    end = re.search(r"^---[ \t]*$", text[3:], re.M)
    if end is None:
        raise SpecError(
            "the SPEC frontmatter starts with '---' but never ends; close it with a '---' line"
        )
    raw = text[3 : 3 + end.start()]
    try:
        meta = load_yaml(raw, "the SPEC frontmatter") or {}
    except yaml.YAMLError as exc:
        raise SpecError(f"the SPEC frontmatter is not valid YAML: {_first_line(exc)}") from exc
    if not isinstance(meta, dict):
        raise SpecError("the SPEC frontmatter must be a YAML mapping (key: value lines)")
    return meta, text[3 + end.end() :]


def sections(body: str) -> dict[str, str]:
    """`## Name` -> the text under it (up to the next `## `)."""
    out: dict[str, str] = {}
    parts = re.split(r"^##[ \t]+(.+?)[ \t]*$", body, flags=re.M)
    for i in range(1, len(parts) - 1, 2):
        out[parts[i].strip()] = parts[i + 1]
    return out


def ml_block(section: str | None) -> dict[str, Any]:
    """The one fenced yaml block under `## ML` (empty when the section is absent)."""
    import yaml

    if section is None:
        return {}
    found = _FENCE.search(section)
    if found is None:
        raise SpecError(
            "the '## ML' section has no ```yaml block; put the ML fields in one fenced yaml block"
        )
    try:
        data = load_yaml(found.group(1), "the '## ML' yaml block") or {}
    except yaml.YAMLError as exc:
        raise SpecError(f"the '## ML' yaml block is not valid YAML: {_first_line(exc)}") from exc
    if not isinstance(data, dict):
        raise SpecError("the '## ML' yaml block must be a mapping (field: value lines)")
    unknown = sorted(set(map(str, data)) - set(FIELDS))
    if unknown:
        raise SpecError(
            f"unknown field(s) in the '## ML' block: {', '.join(unknown)}; valid: "
            f"{', '.join(FIELDS)}"
        )
    return data


def requirements(section: str | None) -> list[tuple[str, str]]:
    """The GEARS (or EARS) requirements as (type, text), typed by their label or keyword."""
    out: list[tuple[str, str]] = []
    for line in (section or "").splitlines():
        item = line.strip()
        if item.startswith(("- ", "* ")):
            text = item[2:].strip()
            out.append((requirement_kind(text), text))
    return out


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
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SpecError(f"cannot read the SPEC {spec_path!r}: {exc}") from exc
        meta, body = split_spec(text)
        rel = workspace.relative(path)
        if not rel.isprintable():  # the path goes into generated TAG comments: no line breaks
            raise SpecError(f"the SPEC path {rel!r} contains control characters; rename it")
    parts = sections(body)
    fields = {**ml_block(parts.get("ML")), **{k: v for k, v in overrides.items() if k in FIELDS}}
    spec_id = moai_spec_id(overrides.get("spec_id") or meta.get("id"))
    spec = _build(spec_id, meta, body, rel, fields, requirements(parts.get("Requirements")))
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


def _build(
    spec_id: str,
    meta: dict[str, Any],
    body: str,
    rel: str | None,
    fields: dict[str, Any],
    reqs: list[tuple[str, str]],
) -> MlSpec:
    missing = [name for name in ML_REQUIRED if fields.get(name) in (None, "")]
    if not spec_id:
        missing.insert(0, "id")
    if missing:
        where = f"the SPEC {rel}" if rel else "the tool arguments (no SPEC file was given)"
        raise SpecError(
            f"missing required field(s): {', '.join(missing)} in {where}; add them to the "
            "frontmatter (id) or "
            "the '## ML' yaml block, or pass them as tool arguments"
        )
    if not _ID.match(spec_id):
        raise SpecError(
            f"SPEC id {spec_id!r} is not valid; use letters, digits and dashes such as ML-001"
        )
    values = {**DEFAULTS, **fields}
    spec = MlSpec(
        spec_id=spec_id,
        title=_title(body, spec_id),
        spec_rel=rel,
        dataset=_text(values, "dataset"),
        target=_text(values, "target"),
        task=_choice(values, "task", TASKS),
        metric=_text(values, "metric"),
        threshold=_number(values, "threshold"),
        baseline_margin=_number(values, "baseline_margin", low=0.0),
        secondary=_gates(values.get("secondary")),
        test_size=_number(values, "test_size", low=0.05, high=0.5),
        cv_folds=int(_number(values, "cv_folds", low=2, high=20, integer=True)),
        seed=int(_number(values, "seed", low=0, high=2**32 - 1, integer=True)),
        candidates=_names(values.get("candidates"), "candidates"),
        drop=_names(values.get("drop"), "drop") or [],
        max_latency_ms=_number(values, "max_latency_ms", low=0.001),
        max_model_mb=_number(values, "max_model_mb", low=0.001),
        tune_budget_s=None
        if values["tune_budget_s"] is None
        else _number(values, "tune_budget_s", low=5, high=86400),
        promotion_margin=_number(values, "promotion_margin", low=0.0),
        sensitive=_names(values.get("sensitive"), "sensitive") or [],
        requirements=reqs,
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
                f"unknown model {name!r} in candidates; valid models: {', '.join(REGISTRY)}"
            )
        if task is not None and task not in REGISTRY[name].tasks:
            from mcp_server.ml.modeling.catalog import models_for

            raise SpecError(
                f"model {name!r} in candidates cannot do {task}; valid for {task}: "
                f"{', '.join(models_for(task))}"
            )


def _title(body: str, spec_id: str) -> str:
    found = re.search(r"^#[ \t]+(?:@SPEC:[^:\s]+:\s*)?(.+?)[ \t]*$", body, re.M)
    return found.group(1).strip()[:200] if found else f"SPEC {spec_id}"


def _text(values: dict[str, Any], name: str) -> str:
    value = values[name]
    if (
        not isinstance(value, str | int | float)
        or isinstance(value, bool)
        or not str(value).strip()
    ):
        raise SpecError(f"field {name!r} must be a non-empty string, got {_show(value)}")
    return str(value).strip()


def _choice(values: dict[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = str(values[name]).strip()
    if value not in choices:
        raise SpecError(f"unknown {name} {_show(value)}; valid: {', '.join(choices)}")
    return value


def _number(
    values: dict[str, Any],
    name: str,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
) -> float:
    value = values[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SpecError(f"field {name!r} must be a finite number, got {_show(value)}")
    if integer and int(value) != value:
        raise SpecError(f"field {name!r} must be a whole number, got {_show(value)}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise SpecError(f"field {name!r} = {value} is out of range [{low}, {high}]")
    return float(value)


def _gates(value: Any) -> dict[str, float]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise SpecError(
            f"field 'secondary' must be a mapping metric: threshold, e.g. {{f1: 0.9}}; got "
            f"{_show(value)}"
        )
    out = {}
    for name, threshold in value.items():
        if str(name) not in valid():
            raise SpecError(
                f"unknown metric {name!r} in secondary; valid metrics: {', '.join(valid())}"
            )
        out[str(name)] = _number({str(name): threshold}, str(name))
    return out


def _names(value: Any, name: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in value
    ):
        raise SpecError(f"field {name!r} must be a list of names, got {_show(value)}")
    return [str(v) for v in value]


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
