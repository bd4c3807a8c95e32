"""From a SPEC and its data to the rendering context of the generated tests and pipeline.

The context makes the same choices as the domain layer: the column lists come from
`schema.build_schema` and follow `preprocess.build_preprocessor`; the estimator, its defaults,
the seed and the small grid come from `registry`. Nothing from the data reaches a template
except as a value that the template renders through `pyrepr` (or a validated identifier).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core import settings
from mcp_server.core.errors import SpecError
from mcp_server.files.escape import Code
from mcp_server.ml.modeling.local_modules import is_local, local_modules, relative
from mcp_server.ml.modeling.metrics_spec import get_metric
from mcp_server.ml.tdd.acceptance_tests import template_entries
from mcp_server.ml.tdd.imports import import_block
from mcp_server.ml.tdd.literals import (
    assignment,
    dict_statement,
    list_statement,
    path_statement,
    tuple_lines,
)
from mcp_server.ml.tdd.spec_data import RED_SENTINEL

if TYPE_CHECKING:
    from mcp_server.ml.data.schema import Schema
    from mcp_server.ml.tdd.spec_data import SpecData


def transformer_columns(schema: Schema) -> dict[str, list[str]]:
    """The ColumnTransformer's column lists, exactly as `build_preprocessor` groups them."""
    return {
        "numeric": schema.of_kind("numeric"),
        "categorical": schema.of_kind("categorical", "boolean"),
        "datetime": schema.of_kind("datetime"),
        "text": schema.of_kind("text"),
    }


def estimator_context(
    name: str, task: str, seed: int, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Class, import and keyword arguments: what `estimators.make_estimator` builds, from the same
    recipe."""
    from mcp_server.files.render import ident
    from mcp_server.ml.modeling.catalog import get_spec
    from mcp_server.ml.modeling.estimators import estimator_parts

    spec = get_spec(name)
    _, kwargs = estimator_parts(name, task, params, seed)
    origin, cls_name = spec.class_path(task).split(":")
    return {
        "name": name,
        "origin": origin,  # where the class lives here; generated code imports `module`
        "module": relative(origin) if is_local(origin) else origin,
        "cls": ident(cls_name),
        "kwargs": kwargs,
        "grid": {k: list(v) for k, v in spec.small_grid.items()},
        "scale": spec.needs_scaling,
    }


def common_context(prep: SpecData) -> dict[str, Any]:
    from mcp_server.files.render import ident
    from mcp_server.ml.data.leakage import LEAK_SCORE
    from mcp_server.ml.modeling.preprocess import template_constants

    spec = prep.spec
    paths = prep.paths
    return {
        "spec_id": spec.spec_id,
        "title_statement": assignment("TITLE = ", spec.title),
        "target_statement": assignment("TARGET = ", spec.target),
        "dataset_statement": path_statement(
            "DATASET = ", "ROOT", prep.data_rel or Path(spec.dataset).as_posix()
        ),
        "model_path_statement": path_statement("MODEL_PATH = ", "ROOT", paths["model"]),
        "spec_rel": spec.spec_rel or Code("(SPEC given as tool arguments)"),
        "test_rel": paths["test"],
        "pipeline_rel": paths["pipeline"],
        "module": ident(spec.module),
        "package": ident(prep.package),
        "task": spec.task,
        "target": spec.target,
        "dataset": prep.data_rel or Path(spec.dataset).as_posix(),
        "model_rel": paths["model"],
        "seed": spec.seed,
        "test_size": spec.test_size,
        "group_statement": assignment("GROUP_COLUMN: str | None = ", spec.group_column),
        "splits_module": f"{prep.package}.{spec.module}.splits",
        "cv_folds": spec.cv_folds,
        "classes": list(prep.schema.classes),
        "features": {f.name: f.kind for f in prep.schema.features},
        "features_statement": dict_statement(
            "FEATURES: dict[str, str] = ", [(f.name, f.kind) for f in prep.schema.features]
        ),
        "never_statement": dict_statement("NEVER_FEATURES = ", list(prep.schema.dropped.items())),
        "classes_statement": list_statement("CLASSES = ", list(prep.schema.classes)),
        "typed_classes_statement": list_statement(
            "CLASSES: list[Any] = ", list(prep.schema.classes)
        ),
        "expected_statement": dict_statement(
            "EXPECTED_FEATURES = ", [(f.name, f.kind) for f in prep.schema.features]
        ),
        "columns": transformer_columns(prep.schema),
        "dropped": dict(prep.schema.dropped),
        "read_options": prep.read_options,
        "red_sentinel": RED_SENTINEL,
        "leak_score": LEAK_SCORE,
        "env": {
            "hide_modules": settings.HIDE_MODULES.name,
            "metrics_out": settings.METRICS_OUT.name,
        },
        "preprocess": template_constants(),
    }


def acceptance_row(entry: dict[str, Any]) -> tuple[Any, ...]:
    """A row of the RED test's ACCEPTANCE: (scenario, check, value), and a metric's direction."""
    row = (entry["label"], entry["check"], entry["value"])
    return (*row, entry["direction"]) if entry["kind"] == "metric" else row


def test_context(prep: SpecData) -> dict[str, Any]:
    """What the RED test module needs: the contract, the gates, the budgets."""
    spec = prep.spec
    primary = get_metric(spec.metric, spec.task)
    gates = {name: get_metric(name, spec.task) for name in spec.secondary}
    accepted = template_entries(prep.spec)
    gate_pairs = [(name, (spec.secondary[name], m.direction)) for name, m in gates.items()]
    requirements = [
        f"{kind}: {text}" if not text.startswith(kind) else text for kind, text in spec.requirements
    ]
    extra = {
        a["check"]: get_metric(a["check"], spec.task) for a in accepted if a["kind"] == "metric"
    }
    scorers = {  # the metric table's own expressions (metrics_spec), not data
        name: Code(m.expr(spec.task))
        for name, m in {**extra, spec.metric: primary, **gates}.items()
    }
    return {
        "acceptance": accepted,
        "acceptance_lines": tuple_lines([acceptance_row(a) for a in accepted]),
        "pinned_module": Path(prep.paths["test"]).stem,  # the acceptance file imports its fixtures
        **common_context(prep),
        "pipeline_module": prep.pipeline_module,
        "primary": {
            "name": primary.name,
            "threshold": spec.threshold,
            "direction": primary.direction,
        },
        "gates": {
            name: {"threshold": spec.secondary[name], "direction": m.direction}
            for name, m in gates.items()
        },
        "gates_statement": dict_statement("GATES = ", gate_pairs),
        "scorers": scorers,
        "baseline_margin": spec.baseline_margin,
        "max_latency_ms": spec.max_latency_ms,
        "max_model_mb": spec.max_model_mb,
        "requirements_statement": list_statement("REQUIREMENTS = ", requirements),
    }


def pipeline_context(
    prep: SpecData, model: str, params: dict[str, Any] | None, note: str
) -> dict[str, Any]:
    """What the pipeline module needs: columns, estimator, how it was chosen."""
    est = estimator_context(model, prep.spec.task, prep.spec.seed, params)
    cols = transformer_columns(prep.schema)
    froms: dict[str, set[str]] = {
        "sklearn.compose": {"ColumnTransformer"},
        "sklearn.impute": {"SimpleImputer"},
        "sklearn.pipeline": {"Pipeline"},
        est["module"]: {est["cls"]},
    }
    if cols["numeric"]:
        froms.setdefault("sklearn.preprocessing", set()).add("StandardScaler")
    if cols["categorical"]:
        froms.setdefault("sklearn.preprocessing", set()).add("OneHotEncoder")
    if cols["datetime"]:
        froms.setdefault("sklearn.preprocessing", set()).add("FunctionTransformer")
    if cols["text"]:
        froms["sklearn.feature_extraction.text"] = {"TfidfVectorizer"}
    froms["typing"] = {"Any"}
    froms["pathlib"] = {"Path"}
    froms[".labels"] = {"LabelRestoringModel"}  # labels.py: written beside the pipeline
    froms[".splits"] = {"GroupedFolds", "holdout"}  # splits.py: the product's own split
    imports = import_block(
        ["argparse", "hashlib", "importlib", "json", "os", "sys"],
        ["joblib", "numpy", "pandas"],
        froms,
    )
    copies = local_modules([est["origin"]])
    # the note is the product's own text, with registry and metric names and numbers in it
    doc = Code(textwrap.fill(f"Estimator: {est['name']} ({note}).", 96))  # a tuning note is long
    return {
        **common_context(prep),
        "estimator": est,
        "imports": Code(imports),
        "estimator_doc": doc,
        "local_modules": copies,
    }


def selection_context(prep: SpecData) -> dict[str, Any]:
    """What the model-selection module needs: candidates with their grids, the CV scorer."""
    from mcp_server.ml.modeling.catalog import extras_of
    from mcp_server.ml.modeling.registry import REGISTRY

    spec = prep.spec
    metric = get_metric(spec.metric, spec.task)
    candidates = [
        estimator_context(name, spec.task, spec.seed)
        for name in spec.candidates or []
        if REGISTRY[name].available()
    ]
    if not candidates:
        raise SpecError(
            f"none of the candidates {spec.candidates} is installed; install their extras "
            f"(pip install 'moai-domain-ml[{extras_of(spec.candidates or [])}]') or name installed "
            "families in the SPEC's candidates"
        )
    folds = "KFold" if spec.task == "regression" else "StratifiedKFold"
    froms: dict[str, set[str]] = {"sklearn.model_selection": {"GridSearchCV"}}
    for cand in candidates:
        froms.setdefault(cand["module"], set()).add(cand["cls"])
    froms["typing"] = {"Any"}
    froms["pathlib"] = {"Path"}
    imports = import_block(["argparse", "json", "sys"], [], froms, local=["pipeline"])
    return {
        **common_context(prep),
        "candidates": candidates,
        "metric": metric.name,
        "scoring": metric.scorer(spec.task),
        "greater_is_better": metric.greater_is_better,
        "imports": Code(imports),
        "folds": folds,
        "local_modules": local_modules([cand["origin"] for cand in candidates]),
    }
