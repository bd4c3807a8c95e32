"""The image service of an image run, run for real: the CNN trained on a digits folder (by the
in-process server: the transport is not what is tested), `ml_generate_serving` writes its service,
uvicorn serves it on 127.0.0.1, and the label and probabilities it answers for the folder's own
PNGs (uploaded and base64) are the joblib model's on the same files; a text file, a truncated PNG,
a body over the limit and a decompression bomb get a 4xx naming the problem, never a 5xx."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import httpx
import joblib
import numpy as np
import pytest

from tests.image_support import digits_folder
from tests.support import generated_pytest, inprocess_client, uvicorn_service
from tests.train_support import call, call_error

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

FAST = {"max_epochs": 3, "patience": 2}
BODY_LIMIT = 100_000


async def _train_and_serve(project: Path) -> tuple[dict[str, Any], str, str]:
    folder = {"data_path": "data/digits", "target": "label"}
    async with inprocess_client(project) as client:
        trained = await call(client, "ml_train", **folder, model="image_cnn", params=FAST)
        run_id = trained["run_id"]
        refused = await call_error(client, "ml_generate_serving", run_id=run_id, runtime="onnx")
        served = await call(client, "ml_generate_serving", run_id=run_id)
        exported = await call(client, "ml_export", run_id=run_id, format="joblib")
    assert "pass runtime= one of joblib" in refused and "\n" not in refused.strip()
    return served, str(exported["path"]), run_id


async def test_the_image_service_answers_as_the_joblib_model_on_uploaded_and_base64_pngs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    project = tmp_path / "project"
    digits = digits_folder(project / "data" / "digits", per_class=12)
    served, exported, run_id = await _train_and_serve(project)
    assert served["runtime"] == "joblib" and "POST /predict/base64" in served["endpoints"]
    service = project / served["output_dir"]
    assert not [p for p in service.rglob("*") if p.is_file() and b"mcp_server" in p.read_bytes()]
    model = joblib.load(project / exported)
    pngs = [sorted((digits / str(d)).glob("*.png"))[i] for d in range(10) for i in (0, 5)]

    monkeypatch.setenv("MAX_BODY_BYTES", str(BODY_LIMIT))
    with uvicorn_service(service, "/ready", "--workers", "1") as base:
        meta = httpx.get(f"{base}/metadata").json()
        assert httpx.get(f"{base}/health").json() == {"status": "ok"}
        assert meta["classes"] == [str(d) for d in range(10)] and meta["run_id"] == run_id
        assert meta["input"]["size"] == [
            16,
            16,
        ]  # the smallest side it fits and meta["input"]["channels"] == 1
        want = model.predict_proba([str(p) for p in pngs])
        labels = model.predict([str(p) for p in pngs])
        for png, proba, label in zip(pngs, want, labels, strict=True):
            data = png.read_bytes()
            uploaded = httpx.post(f"{base}/predict", files={"file": (png.name, data)}, timeout=30)
            encoded = httpx.post(
                f"{base}/predict/base64",
                json={"image": base64.b64encode(data).decode()},
                timeout=30,
            )
            for reply in (uploaded, encoded):
                assert reply.status_code == 200, reply.text
                answer = reply.json()
                assert answer["prediction"] == label
                got = [answer["probabilities"][str(c)] for c in model.classes_]
                np.testing.assert_allclose(got, proba, rtol=0, atol=1e-5)
        _assert_bad_uploads_get_4xx(base, pngs[0].read_bytes())


def _bomb() -> bytes:
    """A 1-bit PNG of 6000 x 6000 pixels: a few kilobytes that decode to 36 million pixels."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (6000, 6000)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _assert_bad_uploads_get_4xx(base: str, png: bytes) -> None:
    bomb = _bomb()
    assert len(bomb) < BODY_LIMIT  # refused for its pixels, not its size
    cases = {
        "text": (b"just some text, not a picture\n", 422, "not an image"),
        "truncated": (png[: len(png) // 2], 422, "cannot be read"),
        "empty": (b"", 422, "empty"),
        "bomb": (bomb, 422, "pixels"),
        "oversized": (b"\x89PNG" + b"\0" * BODY_LIMIT, 413, "over"),
    }
    for name, (data, status, says) in cases.items():
        uploaded = httpx.post(f"{base}/predict", files={"file": ("x.png", data)}, timeout=30)
        encoded = httpx.post(
            f"{base}/predict/base64", json={"image": base64.b64encode(data).decode()}, timeout=30
        )
        for reply in (uploaded, encoded):
            assert reply.status_code == status, (name, reply.text)
            assert says in reply.json()["detail"][0]["msg"], (name, reply.text)
    others = {
        "no file field": httpx.post(f"{base}/predict", files={"other": ("x.png", png)}),
        "not multipart": httpx.post(f"{base}/predict", content=png),
        "bad base64": httpx.post(f"{base}/predict/base64", json={"image": "%%%"}),
        "no image key": httpx.post(f"{base}/predict/base64", json={"picture": "AAAA"}),
        "broken json": httpx.post(f"{base}/predict/base64", content=b'{"image": '),
    }
    for name, reply in others.items():
        assert reply.status_code == 422, (name, reply.text)


def _rendered(tmp_path: Path) -> tuple[Path, list[Path], Any]:
    """A one-epoch CNN pipeline on 30 digits, its image service written to `tmp_path/service`."""
    from sklearn.pipeline import Pipeline

    from mcp_server.ml.data.schema import Schema
    from mcp_server.ml.modeling.image_cnn import ImageCNNClassifier
    from mcp_server.ml.serving.images import render_image_service
    from mcp_server.ml.serving.service import ModelInfo

    digits = digits_folder(tmp_path / "digits", per_class=3)
    paths = sorted(digits.rglob("*.png"))
    codes = [int(p.parent.name) for p in paths]
    model = ImageCNNClassifier(max_epochs=1, width=4)
    pipeline = Pipeline([("preprocess", "passthrough"), ("model", model)]).fit(
        [str(p) for p in paths], codes
    )
    schema = Schema("label", "multiclass", [], {}, [str(d) for d in range(10)], {})
    info = ModelInfo(pipeline, schema, "image_cnn", "0" * 32, {"accuracy": 0.5}, {})
    service = tmp_path / "service"
    for path, content in render_image_service(info).items():
        out = service / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(content if isinstance(content, bytes) else content.encode())
    return service, paths, pipeline


def test_the_generated_image_service_passes_ruff_and_its_own_tests_without_mcp_server(
    tmp_path: Path,
):
    import subprocess
    import sys

    from tests.support import ROOT

    service, paths, pipeline = _rendered(tmp_path)
    ruff = str(Path(sys.executable).parent / "ruff")
    ours = [str(p) for p in service.rglob("*.py") if not p.read_text().startswith("# Copied")]
    assert len(ours) == 6  # main, decode, classifier, app/__init__, the tests, conftest
    strict = ["--config", str(ROOT / "tests/fixtures/user_project_ruff.toml")]
    for command in (
        ["check", "."],
        ["format", "--check", "--isolated", *ours],
        ["check", *strict, *ours],
    ):
        checked = subprocess.run(
            [ruff, *command, "--no-cache"], cwd=service, capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0, (command, checked.stdout[-3000:])
    probe = (
        "import pathlib, sys; from app.classifier import Classifier; "
        "c = Classifier(pathlib.Path('app/model.joblib')); "
        f"print(c.predict([{str(paths[0])!r}])[0]['prediction']); "
        "assert not [m for m in sys.modules if m.startswith('mcp_server')]"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=service,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert loaded.stdout.strip() == str(pipeline.predict([str(paths[0])])[0])
    own = generated_pytest(service)
    assert own.returncode == 0 and "3 passed" in own.stdout, own.stdout[-3000:]
