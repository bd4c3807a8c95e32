"""The TorchServe handlers generated for an image and a text network, with hostile labels and a
hostile model name: the deployment rendered by the product (its `.mar` by the real
torch-model-archiver), the handler ruff-clean under two configs, imported and initialised by
TorchServe's own `Context` on the rendered folder, and its answers equal the fitted model's; bad
bodies are refused with TorchServe's `PredictionException` and a 4xx code."""

from __future__ import annotations

import base64
import importlib.util
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.test_generated_code_style import PROJECT, _ruff_clean
from tests.torchserve_support import LABELS, _png, network_info

pytest.importorskip("ts")
pytest.importorskip("tokenizers")
pytestmark = pytest.mark.slow  # two tiny fits and two torch-model-archiver runs


def _deploy(info: Any, dest: Path) -> Any:
    """The rendered deployment written to `dest`, its handler linted and imported, then
    initialised by TorchServe's `Context` on that folder."""
    from ts.context import Context

    from mcp_server.ml.serving.torchserve import render_torchserve

    for rel, content in render_torchserve(info, "archive").items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    _ruff_clean([dest / "handler.py"], [["--isolated"], PROJECT])
    with zipfile.ZipFile(dest / "model_store/archive.mar") as archive:
        assert archive.read("handler.py") == (dest / "handler.py").read_bytes()
    spec = importlib.util.spec_from_file_location(f"handler_{dest.name}", dest / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    classes = [v for v in vars(module).values() if isinstance(v, type) and "Moai" in v.__name__]
    handler = classes[0]()
    manifest = {"model": {"serializedFile": "model.pt", "handler": "handler.py"}}
    handler.initialize(
        Context("archive", str(dest), manifest, 1, None, "0.12.0", model_yaml_config={})
    )
    return handler, module


def _answers(handler: Any, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = handler.postprocess(
        handler.inference(handler.preprocess(requests))
    )
    return answers


def test_the_image_handler_answers_raw_multipart_and_base64_pngs_as_the_fitted_cnn(
    tmp_path: Path,
):
    from ts.utils.util import PredictionException

    info, pngs = network_info("image")
    model = info.pipeline.steps[-1][1]
    handler, module = _deploy(info, tmp_path / "image")
    recipe = json.loads((tmp_path / "image/input.json").read_text(encoding="utf-8"))
    assert recipe["labels"] == LABELS and recipe["image_size"] == 12 and recipe["color"] == "L"

    sent = pngs[:6]
    requests = [
        {"body": sent[0]},  # the raw body, as TorchServe's image_classifier takes it
        {"file": bytearray(sent[1])},  # a multipart field
        {"body": {"image": base64.b64encode(sent[2]).decode()}},  # JSON
        {"data": json.dumps({"image": base64.b64encode(sent[3]).decode()}).encode()},
        {"data": base64.b64encode(sent[4]).decode()},
        {"data": sent[5]},
    ]
    answers = _answers(handler, requests)
    want = model.predict_proba(sent)
    assert [a["prediction"] for a in answers] == [LABELS[c] for c in want.argmax(axis=1)]
    got = np.array([[a["probabilities"][label] for label in LABELS] for a in answers])
    assert np.abs(got - want).max() < 1e-6
    for bad, code in [
        ({"body": b"not an image"}, 400),
        ({"body": _png(np.zeros((2, 2), np.uint8))[:30]}, 400),  # truncated
        ({"body": {"image": "***"}}, 400),
        ({"body": {"other": 1}}, 400),
        ({"body": b"{not json"}, 400),
    ]:
        with pytest.raises(PredictionException) as refused:
            handler.preprocess([bad])
        assert refused.value.error_code == code, refused.value.message
    handler.max_pixels = 16  # a 64-pixel image is over it: refused before decoding
    with pytest.raises(PredictionException) as too_big:
        handler.preprocess([{"body": pngs[0]}])
    assert too_big.value.error_code == 413
    assert module.answer(LABELS, np.array([0.5, 0.5, 0.0]))["prediction"] == LABELS[0]


def test_the_text_handler_answers_one_text_and_a_list_as_the_fitted_transformer(tmp_path: Path):
    import pandas as pd
    from ts.utils.util import PredictionException

    info, texts = network_info("text")
    model = info.pipeline.steps[-1][1]
    handler, _ = _deploy(info, tmp_path / "text")
    assert json.loads((tmp_path / "text/tokenizer.json").read_text(encoding="utf-8"))

    sent = [texts[0], "a text longer than the maximum length of eight tokens, cut", ""]
    answers = _answers(
        handler,
        [
            {"body": sent[0].encode("utf-8")},
            {"body": {"text": sent[1]}},
            {"data": {"texts": [sent[2], None]}},
            {"body": [sent[0]]},
        ],
    )
    frame = pd.DataFrame({"text": [*sent, "", sent[0]]})
    want = model.predict_proba(frame)
    flat = [answers[0], answers[1], *answers[2]["predictions"], *answers[3]["predictions"]]
    got = np.array([[a["probabilities"][label] for label in LABELS] for a in flat])
    assert np.abs(got - want).max() < 1e-5
    assert [a["prediction"] for a in flat] == [LABELS[int(c)] for c in model.predict(frame)]
    for bad in ({"body": b"\xff\xfe"}, {"body": {"texts": []}}, {"body": {"other": "x"}}, {}):
        with pytest.raises(PredictionException) as refused:
            handler.preprocess([bad])
        assert refused.value.error_code == 400
