"""TorchServe for the tests: started in the foreground on free loopback ports with a generated
deployment's config.properties, and waited for until the model's worker is READY."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from tests.support import free_port

TORCHSERVE = Path(sys.executable).parent / "torchserve"


@contextlib.contextmanager
def torchserve(folder: Path) -> Iterator[dict[str, str]]:
    """TorchServe in the foreground on free loopback ports, its own temp dir; stopped after."""
    ports = {"inference": free_port(), "management": free_port(), "metrics": free_port()}
    config = (folder / "config.properties").read_text()
    for api, port in ports.items():
        config = re.sub(
            rf"^{api}_address=.*$", f"{api}_address=http://127.0.0.1:{port}", config, flags=re.M
        )
    (folder / "config.properties").write_text(config)
    (folder / "tmp").mkdir()
    env = {
        **os.environ,
        "TMPDIR": str(folder / "tmp"),
        "TEMP": str(folder / "tmp"),
    }  # its pid file lives there
    cmd = [
        str(TORCHSERVE),
        "--start",
        "--foreground",
        "--ts-config",
        "config.properties",
        "--model-store",
        "model_store",
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield {api: f"http://127.0.0.1:{port}" for api, port in ports.items()}
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # the python launcher, java and its workers
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_ready(
    urls: dict[str, str], folder: Path, name: str, timeout: float = 240.0
) -> dict[str, str]:
    """The keys TorchServe wrote, once the model's worker is READY (asked with the management
    key)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        keys_file = folder / "key_file.json"
        if keys_file.is_file():
            with contextlib.suppress(ValueError, KeyError, httpx.HTTPError):
                keys = {
                    api: entry["key"] for api, entry in json.loads(keys_file.read_text()).items()
                }
                auth = {"Authorization": f"Bearer {keys['management']}"}
                reply = httpx.get(f"{urls['management']}/models/{name}", headers=auth, timeout=5)
                if reply.status_code == 200 and reply.json()[0]["workers"][0]["status"] == "READY":
                    return keys
        time.sleep(1)
    raise TimeoutError(f"the model {name} was not READY in TorchServe within {timeout} s")


LABELS = ['"; import os; os.system("touch pwned") #', "ü\u202e{{ x }}{% if %}", "1"]
NAME = 'net """ {{ model_name }} \\ ü'


def _png(pixels: Any) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def network_info(kind: str) -> tuple[Any, list[Any]]:
    """A tiny fitted image CNN (digit PNGs) or text Transformer (texts with template syntax and
    emoji) as a run's `ModelInfo` with hostile labels and model name, and the inputs it was fitted
    on (PNG bytes or texts)."""
    import numpy as np
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from mcp_server.ml.data.schema import Feature, Schema
    from mcp_server.ml.serving.service import ModelInfo

    if kind == "image":
        from sklearn.datasets import load_digits

        from mcp_server.ml.modeling.image_cnn import ImageCNNClassifier

        digits = load_digits(n_class=3)
        inputs: list[Any] = [
            _png((image * 255 / 16).round().astype(np.uint8)) for image in digits.images[:36]
        ]
        model: Any = ImageCNNClassifier(width=4, max_epochs=1, patience=1, image_size=12)
        model.fit(inputs, digits.target[:36])
    else:
        from mcp_server.ml.modeling.text_transformer import TextTransformerClassifier

        words = ["refund my money", "the app crashes", "where is my parcel"]
        inputs = [f"{words[i % 3]} {'{{ x }}' if i % 2 else 'ü 🎉'} {i}" for i in range(30)]
        model = TextTransformerClassifier(
            text_column="text",
            vocab_size=100,
            d_model=16,
            n_heads=2,
            n_layers=1,
            dim_feedforward=16,
            max_epochs=1,
            max_length=8,
        )
        model.fit(pd.DataFrame({"text": inputs}), np.array([i % 3 for i in range(30)]))
    schema = Schema("y", "multiclass", [Feature(kind, kind, nullable=False)], {}, LABELS)
    pipeline = Pipeline([("preprocess", "passthrough"), ("model", model)])
    return ModelInfo(pipeline, schema, NAME, "run'{{0}}", {}), inputs
