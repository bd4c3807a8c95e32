"""A table of support tickets through the tools, as an agent drives them: train the
Transformer from scratch on its text column, compare it with the TF-IDF baseline, evaluate it on
the holdout (per-class metrics, confusion matrix), export it to ONNX (parity on the run's texts)
and joblib, whose plain `joblib.load` predicts on raw strings; ONNX serving is refused in one line
naming joblib. The tools run in the test process (`inprocess_client`: the server `moai-ml mcp`
builds, real job processes and store); the stdio transport is tested by tests/test_client.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import joblib
import pandas as pd
import pytest

from mcp_server.ml.tracking import tags
from tests.support import error_text, inprocess_client, structured
from tests.text_support import tickets_csv

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

FAST = {
    "d_model": 32,
    "n_heads": 2,
    "n_layers": 1,
    "dim_feedforward": 64,
    "max_epochs": 10,
    "learning_rate": 5e-3,
}


async def test_a_text_table_is_trained_compared_evaluated_and_exported_by_the_tools(tmp_path: Path):
    project = tmp_path / "project"
    tickets_csv(project / "data" / "tickets.csv", rows=300)
    table = {"data_path": "data/tickets.csv", "target": "queue"}
    async with inprocess_client(project) as client:
        trained = structured(
            await client.call_tool(
                "ml_train", {**table, "model": "text_transformer", "params": FAST}
            )
        )
        assert trained["model"] == "text_transformer" and trained["test_rows"] == 60
        assert trained["metrics"]["f1_macro"] > 0.35  # chance is 0.2
        assert any("it ignores priority" in w for w in trained["warnings"])
        run = structured(await client.call_tool("ml_get_run", {"run_id": trained["run_id"]}))
        assert run["params"]["model.device"] in ("cpu", "cuda", "mps")

        compared = structured(
            await client.call_tool(
                "ml_compare_models",
                {
                    **table,
                    "models": ["logistic_regression", "text_transformer"],
                    "cv_folds": 2,
                    "params": {"text_transformer": FAST},
                },
            )
        )
        board = {c["model"]: c for c in compared["leaderboard"]}
        assert set(board) == {"logistic_regression", "text_transformer"}
        assert board["logistic_regression"]["fit_time_s"] < board["text_transformer"]["fit_time_s"]

        evaluated = structured(await client.call_tool("ml_evaluate", {"run_id": trained["run_id"]}))
        assert evaluated["metrics"]["f1_macro"] == trained["metrics"]["f1_macro"]
        assert len(evaluated["confusion_matrix"]) == 5 and len(evaluated["labels"]) == 5

        refused = await client.call_tool(
            "ml_generate_serving", {"run_id": trained["run_id"], "runtime": "onnx"}
        )
        assert refused.is_error and error_text(refused).startswith("use runtime='joblib'")
        onnx = structured(
            await client.call_tool("ml_export", {"run_id": trained["run_id"], "format": "onnx"})
        )
        assert onnx["parity"]["passed"] and onnx["parity"]["rows"] >= 300
        exported = structured(
            await client.call_tool("ml_export", {"run_id": trained["run_id"], "format": "joblib"})
        )
    model = joblib.load(project / exported["path"])
    rows = [{"text": "I was charged twice, please fix the invoice", "priority": 2}]
    label = model.predict(pd.DataFrame(rows))[0]
    assert label in {"account", "billing", "refund", "shipping", "technical"}
    network = model.pipeline.named_steps["model"]
    assert network.predict(["my parcel never arrived"]).shape == (1,)
    _onnx_alone_predicts_like_joblib(project / onnx["path"], model, rows[0]["text"])


def _onnx_alone_predicts_like_joblib(path: Path, model: Any, text: str) -> None:
    """The ONNX file with nothing but `tokenizers` and onnxruntime: its metadata's tokenizer
    makes the ids ([CLS] first), its labels and probabilities are the joblib model's."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    from tokenizers import Tokenizer

    meta = {p.key: p.value for p in onnx.load(path).metadata_props}
    tokenizer = Tokenizer.from_str(meta[tags.ONNX_TOKENIZER])
    ids = [tokenizer.token_to_id("[CLS]"), *tokenizer.encode(text).ids]
    session = ort.InferenceSession(path.read_bytes(), providers=["CPUExecutionProvider"])
    labels, proba = session.run(None, {"input_ids": np.asarray([ids], dtype=np.int64)})
    frame = pd.DataFrame([{"text": text, "priority": 1}])
    assert labels[0] == model.predict(frame)[0]
    assert np.allclose(proba, model.predict_proba(frame), atol=1e-4)
