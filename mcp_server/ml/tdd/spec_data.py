"""A SPEC checked against its data: `prepare_spec` reads the dataset through its kind, checks
the target, drop list, metric and class sizes, and returns the `SpecData` the three phases render
from (`tdd.context` turns it into template contexts)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_server.core import layout
from mcp_server.core.errors import SpecError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.data.schema import GROUP_COLUMN
from mcp_server.ml.spec.reader import MlSpec, check_names

if TYPE_CHECKING:
    import pandas as pd

    from mcp_server.ml.data.kinds.base import DataKind
    from mcp_server.ml.data.profile import Profile
    from mcp_server.ml.data.schema import Schema


RED_SENTINEL = (
    "MOAI-RED: the pipeline module does not exist yet"  # how a generated test fails in RED
)


@dataclass
class SpecData:
    """A SPEC checked against its data: everything the three phases render from."""

    spec: MlSpec
    package: str
    data_path: Path
    frame: pd.DataFrame
    profile: Profile
    schema: Schema
    read_options: dict[str, str]
    kind: DataKind  # read and profiled the data; its template set is what the phases render
    data_rel: str = (
        ""  # the dataset relative to the workspace root (what generated code joins to ROOT)
    )

    @property
    def templates(self) -> str:
        return self.kind.routes.tdd_templates

    @property
    def paths(self) -> dict[str, str]:
        """Every file of the cycle by name (`templates/<set>/manifest.yaml`), and its state
        folder."""
        from mcp_server.files.template_sets import template_set

        names = {"package": self.package, "module": self.spec.module}
        paths = template_set(self.templates).paths(names)
        return {**paths, "state": layout.tdd_state(self.spec.module).as_posix()}

    @property
    def pipeline_module(self) -> str:
        return f"{self.package}.{self.spec.module}.pipeline"


def prepare_spec(workspace: Workspace, spec: MlSpec, package: str) -> SpecData:
    """Check dataset, target, task, drop list, metric and class sizes against the data."""
    from mcp_server.files.render import ident
    from mcp_server.ml.data.kinds.registry import DEFAULT, kind_for
    from mcp_server.ml.data.schema import build_schema
    from mcp_server.ml.data.tables import PARQUET_SUFFIXES, sniff_csv
    from mcp_server.ml.modeling.kind_families import default_candidates_for, for_the_target

    try:
        ident(package)
    except Exception as exc:
        raise SpecError(
            f"package {package!r} is not a valid Python identifier; pass package= such as "
            "'ml_project'"
        ) from exc
    data_path = workspace.resolve(spec.dataset, must_exist=True)
    kind = kind_for(data_path, spec.kind, spec.kind_options)
    if spec.kind not in (None, DEFAULT) and kind.routes.tdd_templates == "tdd":
        # a kind with the table's tests would be split and tested as a table: refuse it
        raise SpecError(
            f"the TDD cycle does not generate tests for {spec.kind} data yet; use "
            f"ml_compare_models and ml_train with spec_id={spec.spec_id!r}"
        )
    frame = kind.read(data_path)
    if spec.target not in frame.columns:
        names = ", ".join(repr(str(c)) for c in list(frame.columns)[:30])
        raise SpecError(
            f"target {spec.target!r} is not a column of {spec.dataset}; set the SPEC's target "
            f"to one of: {names}"
        )
    unknown = [name for name in spec.drop if name not in frame.columns]
    if unknown:
        raise SpecError(
            f"drop lists column(s) not in {spec.dataset}: {unknown}; remove them from 'drop'"
        )
    group = _group_column(frame, spec)
    profile = kind.profile(frame, spec.target, spec.task)
    assert profile.task is not None
    spec.task = profile.task
    check_names(spec, spec.task)
    schema = build_schema(frame, profile, [*spec.drop, *group])
    schema.dropped.update(dict.fromkeys(group, GROUP_COLUMN))
    if not schema.features:
        raise SpecError(
            f"no usable feature columns remain in {spec.dataset} (dropped: {schema.dropped}); "
            "take some out of the SPEC's drop"
        )
    _check_classes(frame, spec)
    if spec.candidates is None:
        found = default_candidates_for(kind, spec.task, len(frame))
        spec.candidates = for_the_target(kind, spec.task, found, profile.target_summary)
    tabular = data_path.is_file() and data_path.suffix.lower() not in PARQUET_SUFFIXES
    read = _csv_options(sniff_csv(data_path)) if tabular else {}  # an image folder: no table
    prep = SpecData(
        spec, package, data_path, frame, profile, schema, read, kind, workspace.relative(data_path)
    )
    check_writable(workspace, prep)
    return prep


def _group_column(frame: Any, spec: MlSpec) -> list[str]:
    """The SPEC's `group_column`, as a drop list of its own: it names an entity, not a feature."""
    group = spec.group_column
    if group is None:
        return []
    if group not in frame.columns or group == spec.target:
        raise SpecError(
            f"the SPEC's group_column {group!r} is not a column of {spec.dataset} other than "
            "the target; name the column that identifies an entity (patient, customer)"
        )
    return [group]


def spec_split(prep: SpecData) -> tuple[Any, Any, Any, Any, Any]:
    """The SPEC's holdout as the generated project draws it (the kind's holdout of the coerced
    features, grouped by copies and the `group_column`): (labelled rows, X, y, train positions,
    holdout positions)."""
    from mcp_server.ml.modeling.preprocess import coerce_frame, encode_target

    spec, schema = prep.spec, prep.schema
    labeled = prep.frame[prep.frame[spec.target].notna()]
    y = encode_target(labeled[spec.target], schema)
    X = coerce_frame(labeled, schema)
    groups = None if spec.group_column is None else labeled[spec.group_column].to_numpy(object)
    train_idx, test_idx = prep.kind.holdout(X, y, spec.task, spec.test_size, spec.seed, groups)
    return labeled, X, y, train_idx, test_idx


def check_writable(workspace: Workspace, prep: SpecData) -> None:
    """Every file the phases write, the generated pipeline's saved model and the pytest reports
    included, must land inside the workspace: refuse symlinked folders or files leading out."""
    for rel in prep.paths.values():
        workspace.writable(rel)  # follows every existing link, dangling ones too
    for name in ("red", "green", "refactor"):
        workspace.writable(f"{prep.paths['state']}/{name}.xml")


def _csv_options(dialect: Any) -> dict[str, str]:
    return {"sep": dialect.delimiter, "encoding": dialect.encoding}


def _check_classes(frame: pd.DataFrame, spec: MlSpec) -> None:
    """Stratified holdout and k-fold CV need enough rows of every class."""
    labeled = frame[spec.target].dropna()
    if len(labeled) < 20:
        raise SpecError(
            f"only {len(labeled)} labelled rows in {spec.dataset}; the TDD cycle needs at least "
            "20: point the SPEC's dataset at more labelled rows"
        )
    if spec.task == "regression":
        return
    need = max(2, int(spec.cv_folds / (1.0 - spec.test_size)) + 1)
    counts = labeled.astype(str).value_counts()
    small = {str(k): int(v) for k, v in counts.items() if v < need}
    if small:
        raise SpecError(
            f"class(es) with fewer than {need} rows cannot be split for a holdout and "
            f"{spec.cv_folds}-fold CV: "
            f"{dict(list(small.items())[:5])}; lower cv_folds, or merge or drop rare classes"
        )
