"""The data-kind seam is real: a kind registered here, in the test only, is found by detection,
and the domain's train, compare and profile calls use its reading, its split, its folds and its
families, with no tool or fitting module knowing it exists."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import KFold, cross_val_score

from mcp_server.core.errors import DataError, MoaiMlError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.data.kinds.base import FamilyTraits, Routes
from mcp_server.ml.data.kinds.registry import kind_for, kinds, register_kind, unregister_kind
from mcp_server.ml.data.kinds.table import TableKind
from mcp_server.ml.fitting.compare import CompareRequest, compare_job
from mcp_server.ml.fitting.training import TrainRequest, train_job
from mcp_server.ml.modeling.dataset import prepare
from mcp_server.ml.modeling.preprocess import build_pipeline
from mcp_server.ml.modeling.registry import REGISTRY
from mcp_server.ml.tracking import tags
from mcp_server.tools.profile import profile_file
from tests.support import EXAMPLES

TOY_FAMILIES = ("linear_regression", "knn")


class OrderedRecords:
    """A toy kind: JSON Lines records in time order. The holdout is the last rows, the folds are
    contiguous blocks (never shuffled), and only two families accept it."""

    name = "ordered_records"
    routes = Routes(export_formats=("joblib",), serving_runtimes=("joblib",), tdd_templates="tdd")

    def detect(self, path: Path) -> bool:
        return path.suffix == ".jsonl"

    def check_size(self, path: Path) -> None:
        return None

    def fingerprint(self, path: Path) -> str:
        from mcp_server.ml.data.tables import file_sha256

        return file_sha256(path)

    def read(self, path: Path) -> pd.DataFrame:
        return pd.read_json(path, lines=True)

    def profile(self, rows: pd.DataFrame, target: str | None, task: str) -> Any:
        from mcp_server.ml.data.profile import profile_frame

        return profile_frame(rows, target, task)

    def holdout(
        self, rows: Any, y: Any, task: str, test_size: float, seed: int, groups: Any = None
    ) -> tuple[Any, Any]:
        cut = len(y) - round(len(y) * test_size)
        return np.arange(cut), np.arange(cut, len(y))

    def folds(self, task: str, n_folds: int, seed: int, groups: Any = None) -> Any:
        return KFold(n_splits=n_folds, shuffle=False)

    def accepts(self, family: FamilyTraits) -> bool:
        return family.name in TOY_FAMILIES


@pytest.fixture
def toy() -> Iterator[OrderedRecords]:
    kind = OrderedRecords()
    register_kind(kind)
    try:
        yield kind
    finally:
        unregister_kind(kind.name)


@pytest.fixture
def records(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "diabetes.jsonl"
    path.parent.mkdir()
    pd.read_csv(EXAMPLES / "data" / "diabetes.csv").to_json(path, orient="records", lines=True)
    return path


def test_detection_finds_the_registered_kind_and_falls_back_to_tables(
    toy: OrderedRecords, records: Path
):
    assert kind_for(records) is toy
    assert kind_for(records.with_suffix(".csv")).name == "table"
    assert kind_for(records, hint="table").name == "table"
    assert [k.name for k in kinds()] == ["ordered_records", "images", "timeseries", "table"]
    with pytest.raises(MoaiMlError, match="already registered"):
        register_kind(OrderedRecords())
    with pytest.raises(
        MoaiMlError,
        match=r"kind= \(or the SPEC's kind\) one of: table, timeseries, images, ordered_records",
    ):
        kind_for(records, hint="videos")


def test_without_the_kind_a_jsonl_file_is_refused_by_the_table_reader(records: Path):
    with pytest.raises(DataError, match=r"unsupported file type '\.jsonl'"):
        prepare(records, "progression")


def test_train_holds_out_the_kinds_split_and_picks_among_its_families(
    toy: OrderedRecords, records: Path, tmp_path: Path
):
    staging = tmp_path / "staging"
    staging.mkdir()
    outcome = train_job(TrainRequest(str(records), "progression", "auto", str(staging)))
    # the table kind would pick ridge and a shuffled holdout; the toy kind's last rows and its
    # cheapest family
    assert outcome.model == "linear_regression"
    assert outcome.rows == 442 and outcome.test_rows == 88
    held = np.load(staging / tags.HOLDOUT_INDEX)
    assert held.tolist() == list(range(442 - 88, 442))
    assert outcome.sha256 == toy.fingerprint(records)


def test_train_refuses_a_family_the_kind_does_not_accept(
    toy: OrderedRecords, records: Path, tmp_path: Path
):
    with pytest.raises(
        MoaiMlError, match=r"do not fit ordered_records data; pass model= \(or models=\) one of: "
    ):
        train_job(TrainRequest(str(records), "progression", "random_forest", str(tmp_path)))


def test_compare_cross_validates_the_kinds_families_on_its_folds(
    toy: OrderedRecords, records: Path
):
    outcome = compare_job(CompareRequest(str(records), "progression", cv_folds=3))
    available = [name for name in TOY_FAMILIES if REGISTRY[name].available()]
    assert [c.model for c in outcome.candidates] == available
    assert all(c.status == "ok" for c in outcome.candidates)
    data = prepare(records, "progression")
    expected = cross_val_score(
        build_pipeline(data.schema, "knn", {}, 42),
        data.X,
        data.y,
        cv=KFold(3, shuffle=False),
        scoring="neg_root_mean_squared_error",
    )
    knn = next(c for c in outcome.candidates if c.model == "knn")
    assert knn.cv["rmse"]["mean"] == pytest.approx(-expected.mean(), abs=1e-6)


def test_the_profile_tool_reads_and_profiles_through_the_kind(toy: OrderedRecords, records: Path):
    workspace = Workspace(records.parent.parent)
    result = profile_file(workspace, "data/diabetes.jsonl", "progression", "auto", 5, 5)
    assert result.rows == 442 and result.n_columns == 11 and result.task == "regression"


def test_the_table_kind_names_export_and_serving_routes_and_accepts_every_family_of_rows():
    from mcp_server.files.template_sets import template_set
    from mcp_server.ml.export.formats import FORMATS
    from mcp_server.ml.serving.generate import OTHER_RUNTIMES
    from mcp_server.ml.serving.service import RUNTIMES

    table = TableKind()
    assert table.routes.export_formats == FORMATS
    assert set(table.routes.serving_runtimes) == set(RUNTIMES) | set(OTHER_RUNTIMES)
    assert template_set(table.routes.tdd_templates).paths({"package": "p", "module": "m"})
    # every family of table rows: not the forecasters (a series' rows whole), not the image families
    assert all(table.accepts(spec) == ("table" in spec.data_kinds) for spec in REGISTRY.values())
