"""The generated image service's throughput (issue 24's figure: >= 200 images/s single-request on
2 cores).

Trains the CNN from scratch on scikit-learn's digits written as PNGs (`ml_train` through the
server in this process), writes its service with `ml_generate_serving`, serves it with one
uvicorn worker on 127.0.0.1 and sends the folder's own PNGs one request at a time for a fixed
time: multipart uploads, then base64 JSON. Beside them, in the same run: the same pipeline's
`predict` on one decoded image in this process (the model's own ceiling) and a bare FastAPI app
under the same uvicorn that reads the upload and calls that `predict` (what a hand-written
service pays). Prints images/s for each, the ratios, and exit code 1 when the service misses
200 images/s.

Run: `.venv/bin/python bench/image_service.py [--seconds 10] [--per-class 40]`
(not part of `make test`; the machine is shared: compare the figures of one run).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.image_support import digits_folder  # noqa: E402
from tests.support import (  # noqa: E402
    free_port,
    inprocess_client,
    running,
    uvicorn_service,
)
from tests.train_support import call  # noqa: E402

TARGET = 200.0
FAST = {"max_epochs": 3, "patience": 2}

BARE = '''
"""A hand-written FastAPI image endpoint: the upload read with Pillow, the pipeline's predict."""
import io

import joblib
from fastapi import FastAPI, UploadFile
from PIL import Image

from app import classifier as _copied  # noqa: F401  (the pipeline's classes, copied into app/)

pipeline = joblib.load("app/model.joblib")
app = FastAPI()


@app.post("/predict")
def predict(file: UploadFile):
    image = Image.open(io.BytesIO(file.file.read()))
    image.load()
    proba = pipeline.predict_proba([image])[0]
    return {"prediction": int(proba.argmax()), "probability": float(proba.max())}
'''


async def _service(project: Path) -> tuple[Path, Any]:
    async with inprocess_client(project) as client:
        trained = await call(
            client,
            "ml_train",
            data_path="data/digits",
            target="label",
            model="image_cnn",
            params=FAST,
        )
        served = await call(client, "ml_generate_serving", run_id=trained["run_id"])
    return project / served["output_dir"], trained


def _rate(send: Any, pngs: list[bytes], seconds: float) -> float:
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        send(pngs[done % len(pngs)])
        done += 1
    return done / (time.perf_counter() - started)


def _over_http(base: str, pngs: list[bytes], seconds: float, mode: str) -> float:
    with httpx.Client(base_url=base, timeout=30) as client:

        def send(data: bytes) -> None:
            if mode == "multipart":
                reply = client.post("/predict", files={"file": ("digit.png", data)})
            else:
                reply = client.post(
                    "/predict/base64", json={"image": base64.b64encode(data).decode()}
                )
            reply.raise_for_status()

        send(pngs[0])  # warm
        return _rate(send, pngs, seconds)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--per-class", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        digits = digits_folder(project / "data" / "digits", args.per_class)
        pngs = [p.read_bytes() for p in sorted(digits.rglob("*.png"))]
        service, trained = asyncio.run(_service(project))
        print(
            f"image_cnn on {len(pngs)} digits PNGs: holdout accuracy "
            f"{trained['metrics']['accuracy']:.3f}; service in {service.name}"
        )
        figures = _figures(service, pngs, args.seconds, Path(tmp))
    for name, rate in figures.items():
        print(f"{name:<44} {rate:8.1f} images/s")
    service_rate = figures["generated service, multipart upload"]
    bare = figures["bare FastAPI, multipart upload"]
    print(f"generated / bare FastAPI (multipart): {service_rate / bare:.2f}")
    print(f"target: >= {TARGET:.0f} images/s single-request on the generated service")
    return 0 if min(service_rate, figures["generated service, base64 JSON"]) >= TARGET else 1


def _figures(service: Path, pngs: list[bytes], seconds: float, tmp: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    with uvicorn_service(service, "/ready", "--workers", "1") as base:
        figures["generated service, multipart upload"] = _over_http(
            base, pngs, seconds, "multipart"
        )
        figures["generated service, base64 JSON"] = _over_http(base, pngs, seconds, "base64")
    bare = tmp / "bare"
    shutil.copytree(service, bare)
    (bare / "bare_app.py").write_text(BARE, encoding="utf-8")
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "bare_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    base = f"http://127.0.0.1:{port}"
    with running(cmd, bare, base + "/docs"):
        figures["bare FastAPI, multipart upload"] = _over_http(base, pngs, seconds, "multipart")
    figures["the pipeline's predict in process"] = _in_process(service, pngs, seconds)
    return figures


def _in_process(service: Path, pngs: list[bytes], seconds: float) -> float:
    import io

    import joblib
    from PIL import Image

    sys.path.insert(0, str(service))
    pipeline = joblib.load(service / "app" / "model.joblib")

    def predict(data: bytes) -> None:
        image = Image.open(io.BytesIO(data))
        image.load()
        pipeline.predict_proba([image])

    return _rate(predict, pngs, seconds)


if __name__ == "__main__":
    sys.exit(main())
