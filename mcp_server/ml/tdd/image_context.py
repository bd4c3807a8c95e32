"""The render contexts of the `tdd_images` template set (the images kind's TDD cycle).

As `tdd.context` does for a table, with the image column the kind's profile names (`path` for an
image folder, the image-path column of a CSV): the network's parameters are what
`preprocess.build_pipeline` gives the same family (the image rows pass through; decoding,
resizing and normalising are the family's fitted state), and its modules are copied beside the
generated pipeline, so the project never imports `mcp_server`. Values from the data (class folder
names, the SPEC id and title) reach templates only through `pyrepr` and the literal layouts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp_server.core import settings
from mcp_server.core.errors import SpecError
from mcp_server.files.escape import Code
from mcp_server.ml.modeling.local_modules import local_modules
from mcp_server.ml.modeling.metrics_spec import get_metric
from mcp_server.ml.tdd.context import common_context, estimator_context
from mcp_server.ml.tdd.imports import import_block, module_context
from mcp_server.ml.tdd.literals import assignment, dict_statement

if TYPE_CHECKING:
    from mcp_server.ml.tdd.spec_data import SpecData

TINY_PER_CLASS = 5  # images of each class in the generated tests' quick training set


def _image_column(prep: SpecData) -> str:
    found = prep.schema.of_kind("image")
    if not found:
        raise SpecError(
            f"{prep.spec.dataset} has no image column; give the SPEC's dataset an image folder "
            "(<root>/<label>/*.png) or a CSV with one column of image paths"
        )
    return str(found[0])


def image_common(prep: SpecData) -> dict[str, Any]:
    from mcp_server.ml.data.image_paths import IMAGE_SUFFIXES

    if prep.spec.task == "regression":
        raise SpecError(
            "the image TDD cycle classifies images; set the SPEC's task to classification (a "
            "label per image)"
        )
    return {
        **common_context(prep),
        "image_statement": assignment("IMAGE_COLUMN = ", _image_column(prep)),
        "folder": prep.data_path.is_dir(),
        "suffixes": list(IMAGE_SUFFIXES),
        "tiny_per_class": TINY_PER_CLASS,
        "pythonpath": settings.PYTHONPATH.name,  # the fresh interpreter's import path
    }


def network_context(prep: SpecData, name: str, params: dict[str, Any] | None) -> dict[str, Any]:
    """The image family's class and keyword arguments (the registry's defaults, the seed)."""
    from mcp_server.ml.modeling.catalog import get_spec, kind_families

    if "images" not in get_spec(name).data_kinds:
        families = ", ".join(kind_families("images"))
        raise SpecError(
            f"{name} does not take images; name an image family ({families}) as the model or "
            "among the SPEC's candidates"
        )
    return estimator_context(name, prep.spec.task, prep.spec.seed, params)


def test_context(prep: SpecData) -> dict[str, Any]:
    """What the RED image tests need: the label set, the image column, the gates."""
    spec = prep.spec
    primary = get_metric(spec.metric, spec.task)
    gates = {name: get_metric(name, spec.task) for name in spec.secondary}
    if spec.acceptance:
        spec.warnings.append(
            "acceptance scenarios are not generated as image tests yet; the SPEC's gates are"
        )
    gate_pairs = [(name, (spec.secondary[name], m.direction)) for name, m in gates.items()]
    return {
        **image_common(prep),
        "pipeline_module": prep.pipeline_module,
        "primary": {
            "name": primary.name,
            "threshold": spec.threshold,
            "direction": primary.direction,
        },
        "gates": dict(gates),
        "gates_statement": dict_statement("GATES = ", gate_pairs),
        "scorers": {  # the metric table's own expressions (metrics_spec), not data
            name: Code(m.expr(spec.task)) for name, m in {spec.metric: primary, **gates}.items()
        },
        "baseline_margin": spec.baseline_margin,
        "max_model_mb": spec.max_model_mb,
    }


def pipeline_context(
    prep: SpecData, model: str, params: dict[str, Any] | None, note: str
) -> dict[str, Any]:
    """What the image pipeline module needs: the image column, the classes, the network."""
    est = network_context(prep, model, params)
    froms: dict[str, set[str]] = {
        ".labels": {"LabelRestoringModel"},  # labels.py: written beside the pipeline
        ".splits": {"GroupedFolds", "holdout"},  # splits.py: the product's own split
    }
    if prep.data_path.is_dir():
        froms["PIL"] = {"Image", "UnidentifiedImageError"}
    return module_context(image_common(prep), est, froms, "Network", note)


def selection_context(prep: SpecData) -> dict[str, Any]:
    """What the image model selection needs: the image families among the candidates (each with
    its small grid), the CV scorer."""
    from mcp_server.ml.modeling.catalog import extras_of, get_spec, kind_families
    from mcp_server.ml.modeling.registry import REGISTRY

    spec = prep.spec
    metric = get_metric(spec.metric, spec.task)
    named = [n for n in spec.candidates or [] if "images" in get_spec(n).data_kinds]
    candidates = [network_context(prep, n, None) for n in named if REGISTRY[n].available()]
    if not candidates:
        families = kind_families("images")
        raise SpecError(
            f"none of the image candidates {named or spec.candidates} is installed; install "
            f"their extras (pip install 'moai-domain-ml[{extras_of(named or families[:1])}]') "
            f"or name one of {', '.join(families)} in the SPEC's candidates"
        )
    froms: dict[str, set[str]] = {
        "sklearn.base": {"clone"},
        "typing": {"Any"},
        "pathlib": {"Path"},
        "sklearn": {"metrics"},
    }
    for cand in candidates:
        froms.setdefault(cand["module"], set()).add(cand["cls"])
    imports = import_block(["argparse", "itertools", "json", "sys"], ["numpy"], froms, ["pipeline"])
    return {
        **image_common(prep),
        "candidates": candidates,
        "metric": metric.name,
        "metric_expr": Code(metric.expr(spec.task)),
        "greater_is_better": metric.greater_is_better,
        "needs_proba": metric.needs_proba,
        "imports": Code(imports),
        "local_modules": local_modules([cand["origin"] for cand in candidates]),
    }
