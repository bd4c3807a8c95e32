"""`ml_generate_serving runtime="torchserve"` for an image and a text network, end to end: the CNN
trained on digit PNGs and the Transformer trained on a ticket table, each `.mar` built by the real
torch-model-archiver and served by the real TorchServe (token authorization on), answering the
label and probabilities the joblib model gives for the same PNG bytes and the table's own texts."""

from __future__ import annotations

import base64
import json
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
import joblib
import numpy as np
import pandas as pd
import pytest

from tests.image_support import digits_folder
from tests.support import inprocess_client
from tests.text_support import tickets_csv
from tests.torchserve_support import torchserve, wait_ready
from tests.train_support import call

pytest.importorskip("ts")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.slow,
    pytest.mark.external,  # TorchServe (Java)
    pytest.mark.xdist_group("torchserve"),
]
IMAGE_FAST = {"max_epochs": 2, "patience": 1, "width": 8}
TEXT_FAST = {"d_model": 32, "n_heads": 2, "n_layers": 1, "dim_feedforward": 32, "max_epochs": 2}


async def _serve(project: Path, train: dict[str, Any]) -> tuple[Path, str, Any, float]:
    """Train, generate the TorchServe deployment (timed) and export joblib: the deployment's
    copy to start TorchServe in, the model's name there, the joblib model, the generation's
    seconds."""
    async with inprocess_client(project) as client:
        run_id = (await call(client, "ml_train", **train))["run_id"]
        started = time.perf_counter()
        served = await call(client, "ml_generate_serving", run_id=run_id, runtime="torchserve")
        seconds = time.perf_counter() - started
        exported = await call(client, "ml_export", run_id=run_id, format="joblib")
    assert served["runtime"] == "torchserve"
    name = served["output_dir"].rsplit("/", 1)[-1]
    assert f"POST /predictions/{name}" in served["endpoints"]
    folder = project / "ts"
    shutil.copytree(project / served["output_dir"], folder)
    return folder, name, joblib.load(project / exported["path"]), seconds


def _archive_names(folder: Path, name: str) -> set[str]:
    with zipfile.ZipFile(folder / f"model_store/{name}.mar") as archive:
        manifest = json.loads(archive.read("MAR-INF/MANIFEST.json"))
        assert manifest["model"]["serializedFile"] == "model.pt"
        return set(archive.namelist())


def _probabilities(reply: httpx.Response, classes: Any) -> tuple[Any, list[float]]:
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    return answer["prediction"], [answer["probabilities"][str(c)] for c in classes]


async def test_torchserve_answers_the_digit_pngs_raw_bytes_as_the_joblib_cnn(tmp_path: Path):
    project = tmp_path / "project"
    digits = digits_folder(project / "data" / "digits", per_class=10)
    train = {"data_path": "data/digits", "target": "label", "model": "image_cnn"}
    folder, name, model, seconds = await _serve(project, {**train, "params": IMAGE_FAST})
    assert {"input.json", "handler.py", "model.pt"} <= _archive_names(folder, name)
    recipe = json.loads((folder / "input.json").read_text())
    assert recipe["color"] == "L" and recipe["labels"] == list(model.classes_)
    pngs = [p for d in range(10) for p in sorted((digits / str(d)).glob("*.png"))[:3]]
    want = model.predict_proba([str(p) for p in pngs])
    labels = model.predict([str(p) for p in pngs])
    diffs: list[float] = []
    with torchserve(folder) as urls:
        keys = wait_ready(urls, folder, name)
        url = f"{urls['inference']}/predictions/{name}"
        auth = {"Authorization": f"Bearer {keys['inference']}"}
        for png, proba, label in zip(pngs, want, labels, strict=True):
            raw = httpx.post(url, content=png.read_bytes(), headers=auth, timeout=30)
            encoded = base64.b64encode(png.read_bytes()).decode()
            as_json = httpx.post(url, json={"image": encoded}, headers=auth, timeout=30)
            for reply in (raw, as_json):
                got_label, got = _probabilities(reply, model.classes_)
                assert got_label == label
                diffs.append(float(np.max(np.abs(np.array(got) - proba))))
        not_an_image = httpx.post(url, content=b"plain text", headers=auth, timeout=30)
    assert max(diffs) < 1e-5, max(diffs)
    assert not_an_image.status_code == 400 and "not a readable image" in not_an_image.text
    print(f"image: max prob diff {max(diffs):.2e}, generation with .mar {seconds:.1f} s")


async def test_torchserve_answers_the_ticket_tables_own_texts_as_the_joblib_transformer(
    tmp_path: Path,
):
    project = tmp_path / "project"
    table = tickets_csv(project / "data" / "tickets.csv", rows=200)
    train = {"data_path": "data/tickets.csv", "target": "queue", "model": "text_transformer"}
    folder, name, model, seconds = await _serve(project, {**train, "params": TEXT_FAST})
    assert {"input.json", "tokenizer.json", "handler.py"} <= _archive_names(folder, name)
    texts = [str(t) for t in pd.read_csv(table)["text"].head(40)]
    want = model.predict_proba(pd.DataFrame({"text": texts}))
    labels = list(model.predict(pd.DataFrame({"text": texts})))
    with torchserve(folder) as urls:
        keys = wait_ready(urls, folder, name)
        url = f"{urls['inference']}/predictions/{name}"
        auth = {"Authorization": f"Bearer {keys['inference']}"}
        singles = [
            httpx.post(url, content=text.encode(), headers=auth, timeout=30) for text in texts[:10]
        ]
        batch = httpx.post(url, json={"texts": texts}, headers=auth, timeout=60)
        empty = httpx.post(url, json={"note": "no text"}, headers=auth, timeout=30)
    diffs = []
    for reply, proba, label in zip(singles, want, labels, strict=False):
        got_label, got = _probabilities(reply, model.classes_)
        assert got_label == label
        diffs.append(float(np.max(np.abs(np.array(got) - proba))))
    assert batch.status_code == 200, batch.text
    answers = batch.json()["predictions"]
    assert [a["prediction"] for a in answers] == labels
    got = np.array([[a["probabilities"][str(c)] for c in model.classes_] for a in answers])
    diffs.append(float(np.abs(got - want).max()))
    assert max(diffs) < 1e-5, max(diffs)
    assert empty.status_code == 400 and '{"texts"' in empty.json()["message"]
    print(f"text: max prob diff {max(diffs):.2e}, generation with .mar {seconds:.1f} s")
