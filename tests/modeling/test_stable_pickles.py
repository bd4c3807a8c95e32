"""A model stored before `mcp_server/ml/` became subpackages still loads and predicts the same.

The fixture `tests/fixtures/legacy_store/model.joblib` was written by the code of commit de8942b
(see the README beside it), so its pickle names the date-parts function by its old path,
`mcp_server.ml.preprocess.datetime_parts`. It is committed as bytes rather than regenerated:
only a file written by the old code proves that old files load. `mcp_server/ml/preprocess.py`
keeps that path alive, and new models are pickled with the same path.
"""

from __future__ import annotations

import io
import json
import pickletools
import shutil
from pathlib import Path

import joblib
import pandas as pd

from mcp_server.files.workspace import Workspace
from mcp_server.ml.data.schema import Schema
from mcp_server.ml.export.safe_load import load_model
from mcp_server.ml.modeling.preprocess import build_pipeline, coerce_frame, encode_target
from tests.support import ROOT

LEGACY = ROOT / "tests/fixtures/legacy_store"
STABLE = "mcp_server.ml.preprocess"


def _pickled_globals(data: bytes) -> set[str]:
    """Every `module name` pair a pickle asks to import (joblib's numpy arrays sit outside it)."""
    found, strings = set(), []
    for op, arg, _ in pickletools.genops(io.BytesIO(data)):
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(arg)
        elif op.name == "STACK_GLOBAL":
            found.add(f"{strings[-2]} {strings[-1]}")
        elif op.name == "GLOBAL":
            found.add(str(arg).replace("\n", " ").strip())
        if op.name == "STOP":
            break
    return found


def test_a_model_stored_before_the_move_loads_from_a_workspace_and_predicts_as_it_did(
    tmp_path: Path,
):
    assert f"{STABLE} datetime_parts" in _pickled_globals((LEGACY / "model.joblib").read_bytes())
    store = tmp_path / ".moai/ml/artifacts/0/run/artifacts/moai"
    store.mkdir(parents=True)
    shutil.copy(LEGACY / "model.joblib", store / "model.joblib")
    # Made before models were signed (mcp_server/safety/signing.py), so only the person's trust
    # loads it.
    model = load_model(
        Workspace(tmp_path), ".moai/ml/artifacts/0/run/artifacts/moai/model.joblib", trusted=True
    )
    schema = Schema.from_dict(json.loads((LEGACY / "schema.json").read_text(encoding="utf-8")))
    rows = pd.read_csv(LEGACY / "rows.csv")
    expected = json.loads((LEGACY / "expected.json").read_text(encoding="utf-8"))["codes"]
    assert [int(c) for c in model.predict(coerce_frame(rows, schema))] == expected


def test_a_model_stored_today_names_the_date_parts_by_the_same_stable_path(tmp_path: Path):
    schema = Schema.from_dict(json.loads((LEGACY / "schema.json").read_text(encoding="utf-8")))
    rows = pd.read_csv(LEGACY / "rows.csv")
    model = build_pipeline(schema, "logistic_regression", {}, 0).fit(
        coerce_frame(rows, schema), encode_target(rows[schema.target], schema)
    )
    joblib.dump(model, tmp_path / "model.joblib")
    names = _pickled_globals((tmp_path / "model.joblib").read_bytes())
    assert f"{STABLE} datetime_parts" in names
    assert not [n for n in names if n.startswith("mcp_server.") and not n.startswith(f"{STABLE} ")]
