"""A phase's files: the SPEC read and checked against its data (`load`), the templates of its data
kind rendered (`render`, `pipeline_files`), a family's own refusals before anything is written."""

from __future__ import annotations

from typing import Any

from mcp_server.files.workspace import Workspace, WriteReport
from mcp_server.ml.capability import Call, Plan
from mcp_server.ml.spec.reader import load_spec
from mcp_server.ml.tdd.builders import builders
from mcp_server.ml.tdd.requests import PhaseFacts, PhaseOrder, PhaseRequest
from mcp_server.ml.tdd.spec_data import SpecData, prepare_spec

BUDGET_S = 3 * 3600.0  # a phase's job; pytest and each generated module have their own budget


def render(phase: str, context: dict[str, Any], templates: str = "tdd") -> dict[str, bytes | str]:
    """The phase's files, as `templates/<templates>/manifest.yaml` lays them out (path -> text);
    the set is the data kind's (`SpecData.templates`)."""
    from mcp_server.files.template_sets import template_set

    return dict(template_set(templates).render(phase, context))


def load(
    workspace: Workspace, spec_path: str | None, fields: dict[str, Any] | None, package: str
) -> SpecData:
    """Read the SPEC, apply the caller's fields, check everything against the data."""
    spec = load_spec(workspace, spec_path, fields)
    return prepare_spec(workspace, spec, package)


def pipeline_files(
    prep: SpecData, model: str, params: dict[str, Any] | None, note: str
) -> dict[str, bytes | str]:
    import inspect

    from mcp_server.ml.data import splits
    from mcp_server.ml.modeling import labels

    context = builders(prep).pipeline_context(prep, model, params, note)
    files = render("green", context, prep.templates)
    if "labels" in prep.paths:  # the saved model's wrapper, beside the pipeline (a table's set)
        files[prep.paths["labels"]] = inspect.getsource(labels)
    if "splits" in prep.paths:  # the table's holdout and folds, the product's own module
        files[prep.paths["splits"]] = inspect.getsource(splits)
    return files


def check_family(prep: SpecData, name: str, params: dict[str, Any]) -> None:
    """The family's own refusals before anything is written: its task, its params, and a text
    family's free-text column."""
    from mcp_server.ml.modeling.catalog import get_spec
    from mcp_server.ml.modeling.estimators import make_estimator
    from mcp_server.ml.modeling.preprocess import text_column

    make_estimator(name, prep.spec.task, params, prep.spec.seed)  # the task, then the params
    if get_spec(name).takes_text:
        text_column(prep.schema, name)


def checked_spec(call: Call[PhaseRequest]) -> SpecData:
    """The request's SPEC read and checked against its data (or the one the caller checked)."""
    request = call.request
    if request.prep is not None:
        return request.prep
    return load(call.workspace, request.spec_path, request.fields, request.package)


def phase_plan(call: Call[PhaseRequest], prep: SpecData, report: WriteReport, **more: Any) -> Plan:
    """A phase's plan: its job's order, and what the answer needs of what prepare did."""
    root, request = str(call.workspace.root), call.request
    order = PhaseOrder(prep, root, str(call.folder), request.overwrite, **more)
    what = f"the {prep.spec.spec_id} phase"
    return Plan(order, BUDGET_S, 10.0, what, PhaseFacts(prep, report))  # 10 steps
