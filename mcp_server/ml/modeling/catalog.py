"""Questions about the model families, answered from the registry's table: which exist, which fit a
task, in what order, which is the default, what loads, serves and exports them. No module outside
`registry` names a family; it asks here.
"""

from __future__ import annotations

from typing import Any

from mcp_server.core.errors import MoaiMlError
from mcp_server.core.names import REGRESSION
from mcp_server.ml.modeling.estimator_spec import EstimatorSpec
from mcp_server.ml.modeling.registry import REGISTRY

# Types skops does not trust by default that every fitted moai pipeline may contain.
BASE_SKOPS_TYPES = (
    "numpy.dtype",
    "collections.OrderedDict",
    "mcp_server.ml.modeling.faithful.LabelledModel",
)
SMALL_TABLE_ROWS = 1000  # below it, the first choice is a fast linear model


def names() -> list[str]:
    """Every family, in registry order (for messages and tool descriptions)."""
    return list(REGISTRY)


def space_example() -> str:
    """A `search_space` argument as JSON, from the first family with an integer range."""
    import json

    name, param, space = next(
        (s.name, p, v)
        for s in REGISTRY.values()
        for p, v in s.search_space.items()
        if v["type"] == "int"
    )
    return json.dumps({name: {param: space}})


def get_spec(name: str) -> EstimatorSpec:
    if name not in REGISTRY:
        raise MoaiMlError(
            f"unknown model {name!r}; pass model= (or models=) one of: {', '.join(REGISTRY)}"
        )
    spec = REGISTRY[name]
    if not spec.available():
        raise MoaiMlError(
            f"model {name!r} needs the '{spec.extra}' extra: pip install "
            f"'moai-domain-ml[{spec.extra}]'"
        )
    return spec


def models_for(task: str, *, available_only: bool = True) -> list[str]:
    """Every model that fits the task, in registry order."""
    return [
        s.name
        for s in REGISTRY.values()
        if task in s.tasks and (s.available() or not available_only)
    ]


def fast_first(task: str, data_kind: str | None = "table") -> list[str]:
    """Every available model that fits the task (and the kind of data named; None: any), cheap
    ones first (a comparison's default)."""
    return sorted(
        (
            m
            for m in models_for(task)
            if REGISTRY[m].in_defaults
            and (data_kind is None or data_kind in REGISTRY[m].data_kinds)
        ),
        key=lambda name: REGISTRY[name].cost,
    )


def auto_families(task: str) -> list[str]:
    """The families a search covers when the caller names none: installed, cheap ones first."""
    return [m for m in fast_first(task) if REGISTRY[m].auto_search]


def default_model(task: str, rows: int) -> str:
    """A sensible first estimator: a fast linear model for small tables, else a robust boosted
    tree."""
    wanted = "small" if rows < SMALL_TABLE_ROWS else "large"
    task = REGRESSION if task == REGRESSION else "binary"
    return next(s.name for s in REGISTRY.values() if s.first_choice == wanted and task in s.tasks)


def default_candidates(task: str, rows: int) -> list[str]:
    """A SPEC's refactor candidates when it names none: the first choice, then the default
    candidates."""
    out = [default_model(task, rows)]
    out += [
        s.name
        for s in REGISTRY.values()
        if s.default_candidate and task in s.tasks and s.name not in out
    ]
    return out


def count_families() -> list[str]:
    """The available families whose loss models counts (Poisson, Tweedie), cheap ones first."""
    found = [s for s in REGISTRY.values() if s.count_objective and s.available()]
    return [s.name for s in sorted(found, key=lambda s: s.cost)]


def extras_of(names: list[str]) -> str:
    """The optional-dependency extras that install these families (`dl,text`), for a refusal."""
    return ",".join(sorted({REGISTRY[n].extra or "" for n in names if n in REGISTRY} - {""}))


def served_by(runtime: str) -> tuple[EstimatorSpec, ...]:
    """The families a dedicated serving runtime (TorchServe, TF Serving) serves, in registry
    order (the table family first)."""
    found = tuple(s for s in REGISTRY.values() if runtime in s.runtimes)
    if not found:
        raise MoaiMlError(f"runtime {runtime!r} serves no model family; pass runtime='joblib'")
    return found


def trusted_skops_types() -> tuple[str, ...]:
    """Every type a registry pipeline's skops file may hold beyond skops' own trusted list."""
    every = BASE_SKOPS_TYPES + tuple(t for s in REGISTRY.values() for t in s.skops_types)
    return tuple(dict.fromkeys(every))


def label_is_argmax(model_name: str) -> bool:
    """Whether the model's label is the first argmax of its probabilities (unknown names: yes)."""
    spec = REGISTRY.get(model_name)
    return spec.label_is_argmax if spec is not None else True


def predicts_by_argmax(estimator: Any) -> bool:
    """Whether a fitted classifier's `predict` is the first argmax of its `predict_proba`, so its
    labels can be read off its probabilities: the registry's `label_is_argmax` of the family whose
    class it is (a pipeline: its last step). A class the registry does not know: no, it predicts."""
    steps = getattr(estimator, "steps", None)
    final = steps[-1][1] if isinstance(steps, list) and steps else estimator
    name = type(final).__name__
    spec = next((s for s in REGISTRY.values() if name in s.class_names), None)
    return spec is not None and spec.label_is_argmax and hasattr(estimator, "classes_")


def parity_note(model_name: str) -> str:
    spec = REGISTRY.get(model_name)
    return f" {spec.parity_note}" if spec is not None and spec.parity_note else ""


def runtime_packages(model_name: str) -> tuple[str, ...]:
    """Distributions a fitted model of this family needs to load, besides scikit-learn."""
    spec = REGISTRY.get(model_name)
    return spec.packages if spec is not None else ()


def reads_text(model_name: str) -> bool:
    """Whether the family reads raw strings through its own tokenizer (a text network)."""
    spec = REGISTRY.get(model_name)
    return spec is not None and spec.takes_text


def kind_families(data_kind: str) -> list[str]:
    """The families that take this kind of data, in registry order (for messages)."""
    return [name for name, spec in REGISTRY.items() if data_kind in spec.data_kinds]


def cluster_families(task: str) -> list[str]:
    """The families that train on a Dask cluster for this task, cheap ones first."""
    field = "dask_regressor" if task == REGRESSION else "dask_classifier"
    return [m for m in fast_first(task) if getattr(REGISTRY[m], field)]


def dask_class_path(model_name: str, task: str) -> str:
    """ "module:Class" of the family's Dask estimator; refused in one line naming those that
    have one."""
    spec = get_spec(model_name)
    path = spec.dask_regressor if task == REGRESSION else spec.dask_classifier
    if path is None:
        able = ", ".join(cluster_families(task)) or "none installed"
        raise MoaiMlError(
            f"{model_name} cannot train on a Dask cluster; the families that can: {able}: pass "
            "one as model= (or train on one file, without the SPEC's cluster or MOAI_ML_CLUSTER)"
        )
    return path
