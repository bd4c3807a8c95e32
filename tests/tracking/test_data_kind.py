"""Every new run says its kind of data (`moai.data_kind`); a run recorded before kinds existed
(no tag) reads as a table; export and serving of a run ask that kind's routes."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.serving.generate import generate_serving
from mcp_server.ml.tracking import tags
from mcp_server.ml.tracking.runs import get_store
from mcp_server.ml.tracking.store import RunRecord
from mcp_server.ml.tracking.verdict import Verdict
from mcp_server.ml.tracking.view import RunView


def test_a_new_run_is_a_table_unless_its_record_names_its_kind(tmp_path: Path):
    store = get_store(Workspace(tmp_path))
    plain = store.record(RunRecord(experiment="e", run_name="a", kind="train"))
    images = store.record(
        RunRecord(experiment="e", run_name="b", kind="train", tags={tags.DATA_KIND: "images"})
    )
    assert store.get_run(plain).tags[tags.DATA_KIND] == "table"
    assert store.get_run(plain).data_kind == "table"
    assert store.get_run(images).data_kind == "images"
    assert store.get_run(images).kind == "train"  # the run's own kind is untouched


def test_a_run_without_the_tag_reads_as_a_table():
    old = RunView("r", "n", "0", "FINISHED", 0, "", {}, {}, {}, Verdict(None, True))
    assert old.data_kind == "table"


def test_serving_an_image_run_on_onnx_is_refused_by_its_kinds_routes_before_its_model_is_read(
    tmp_path: Path,
):
    workspace = Workspace(tmp_path)
    run = get_store(workspace).record(
        RunRecord(experiment="e", run_name="b", kind="train", tags={tags.DATA_KIND: "images"})
    )
    one_of = r"pass runtime= one of joblib, torchserve, tfserving"
    with pytest.raises(MoaiMlError, match=rf"runtime 'onnx' is not .*; {one_of}"):
        generate_serving(workspace, run, None, "onnx")
