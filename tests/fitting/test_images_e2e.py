"""An image folder through the tools, as an agent drives them: profile, train the CNN,
compare, evaluate on the holdout, export, then a plain `joblib.load` of the exported file
predicts on a raw PNG; serving refuses a runtime outside the kind's routes (ONNX: the image
service is joblib's, see tests/serving/test_image_service.py). The tools run in the test process
(`inprocess_client`: the server `moai-ml mcp` builds, real job processes and store); the stdio
transport is tested by tests/test_client.py and tests/fuzz."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import joblib
import pytest

from tests.image_support import digits_folder
from tests.support import error_text, inprocess_client, structured

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

FAST = {"max_epochs": 5, "patience": 2}


async def test_an_image_folder_is_profiled_trained_compared_evaluated_and_exported_by_the_tools(
    tmp_path: Path,
):
    project = tmp_path / "project"
    digits_folder(project / "data" / "digits", per_class=20)
    folder = {"data_path": "data/digits", "target": "label"}
    async with inprocess_client(project) as client:
        profile = structured(await client.call_tool("ml_profile_data", folder))
        assert profile["rows"] == 200 and profile["task"] == "multiclass"
        assert profile["target_summary"]["classes"] == 10
        assert profile["kind_counts"] == {"image": 1, "categorical": 1}
        assert profile["data_kind"] == "images"
        assert profile["kind_details"]["sizes"] == {"8x8": 200}
        assert profile["kind_details"]["modes"] == {"L": 200}

        trained = structured(
            await client.call_tool("ml_train", {**folder, "model": "image_cnn", "params": FAST})
        )
        assert trained["model"] == "image_cnn" and trained["test_rows"] == 40
        assert trained["metrics"]["accuracy"] > 0.3  # chance is 0.1
        run = structured(await client.call_tool("ml_get_run", {"run_id": trained["run_id"]}))
        assert run["tags"]["moai.data_kind"] == "images"

        compared = structured(
            await client.call_tool(
                "ml_compare_models", {**folder, "cv_folds": 2, "params": {"image_cnn": FAST}}
            )
        )
        assert [c["model"] for c in compared["leaderboard"]] == ["image_cnn"]

        evaluated = structured(await client.call_tool("ml_evaluate", {"run_id": trained["run_id"]}))
        assert evaluated["metrics"]["accuracy"] == trained["metrics"]["accuracy"]
        assert len(evaluated["confusion_matrix"]) == 10
        if evaluated["metrics"]["accuracy"] < 1:  # the wrong holdout images, drawn
            assert evaluated["plots"]["misclassified"].endswith("misclassified.png")

        exported = await _serve_refused_then_export(client, trained["run_id"])
    model = joblib.load(project / exported)
    seven = next((project / "data" / "digits" / "7").glob("*.png"))
    label = model.predict([str(seven)])[0]
    proba = model.predict_proba([seven.read_bytes()])
    assert proba.shape == (1, 10) and label == model.classes_[proba.argmax()]
    assert list(model.classes_) == [str(d) for d in range(10)]


async def _serve_refused_then_export(client: Any, run_id: str) -> str:
    """ONNX serving and skops refused by the kind's routes; ONNX proven on the folder's images;
    the joblib file's path."""
    refused = await client.call_tool("ml_generate_serving", {"run_id": run_id, "runtime": "onnx"})
    assert refused.is_error and "pass runtime= one of joblib" in error_text(refused)
    skops = await client.call_tool("ml_export", {"run_id": run_id, "format": "skops"})
    assert skops.is_error and "pass format= one of joblib, pickle, onnx" in error_text(skops)
    onnx = structured(await client.call_tool("ml_export", {"run_id": run_id, "format": "onnx"}))
    assert onnx["parity"]["passed"] and onnx["parity"]["rows"] == 200
    exported = structured(
        await client.call_tool("ml_export", {"run_id": run_id, "format": "joblib"})
    )
    return str(exported["path"])
