"""Every model file the product writes predicts the user's labels and holds them in `classes_`;
the MLflow model takes the table exactly as `pandas.read_csv` reads it. Each format is loaded
with its own plain loader (joblib, pickle, skops, onnxruntime, mlflow.pyfunc) in a fresh process:
one per table, loading every format in turn (each loader imports what its file names by itself,
whatever loaded before; mlflow.pyfunc, which may put a model's code on `sys.path`, goes last)
rather than five interpreters paying the same imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.fidelity.tables import grades, segments, write
from tests.support import inprocess_client
from tests.train_support import call

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.xdist_group("fidelity_labels")]
FORMATS = ("joblib", "pickle", "skops", "onnx")

LOADER = r"""
import json, pickle, sys
import numpy as np
import pandas as pd

csv, target, formats = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
frame = pd.read_csv(csv).drop(columns=target)


def predict(kind, path):
    if kind == "onnx":
        import onnxruntime as ort
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        groups = json.loads(session.get_modelmeta().custom_metadata_map["moai.inputs"])
        feeds = {}
        for group, columns in groups.items():
            part = frame[columns]
            if group == "numbers":
                feeds[group] = part.to_numpy(dtype=np.float32)
            else:
                text = part.astype(object).where(part.notna(), "").astype(str)
                feeds[group] = text.to_numpy(dtype=object)
        return {"labels": session.run(None, feeds)[0].tolist(), "classes": None}
    if kind == "joblib":
        import joblib
        model = joblib.load(path)
    elif kind == "pickle":
        with open(path, "rb") as handle:
            model = pickle.load(handle)
    elif kind == "skops":
        import skops.io as sio
        model = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    elif kind == "mlflow":
        import mlflow.pyfunc
        model = mlflow.pyfunc.load_model(path)
    labels = np.asarray(model.predict(frame)).tolist()
    classes = None if kind == "mlflow" else np.asarray(model.classes_).tolist()
    return {"labels": labels, "classes": classes}


print(json.dumps({kind: predict(kind, path) for kind, path in formats}))
"""


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("labels") / "project"
    write(segments(), root / "data" / "segments.csv")
    write(grades(), root / "data" / "grades.csv")
    return root


def _load_and_predict(
    project: Path, formats: list[tuple[str, str]], table: str, target: str
) -> dict[str, dict]:
    """Each (format, path) loaded by its plain loader in one fresh process, in the given order."""
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{project}/.moai/ml/mlflow.db"}
    csv = str(project / "data" / f"{table}.csv")
    done = subprocess.run(
        [sys.executable, "-c", LOADER, csv, target, json.dumps(formats)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(("table", "target"), [("segments", "segment"), ("grades", "grade")])
async def test_every_artefact_predicts_the_original_labels_in_a_fresh_process(
    project: Path, table, target
):
    truth = pd.read_csv(project / "data" / f"{table}.csv")[target].tolist()
    labels = sorted(set(truth), key=str)
    async with inprocess_client(project) as client:
        run = await call(
            client,
            "ml_train",
            data_path=f"data/{table}.csv",
            target=target,
            model="logistic_regression",
        )
        paths = {
            fmt: (await call(client, "ml_export", run_id=run["run_id"], format=fmt))["path"]
            for fmt in FORMATS
        }
    assert run["task"] == "multiclass"
    formats = [(fmt, str(project / path)) for fmt, path in paths.items()]
    answers = _load_and_predict(project, [*formats, ("mlflow", run["model_uri"])], table, target)
    assert list(answers) == [*FORMATS, "mlflow"]
    for kind, answer in answers.items():
        got = answer["labels"]
        assert set(got) <= set(labels), (
            kind,
            sorted(set(got), key=str)[:5],
        )  # labels of the original type
        accuracy = sum(g == t for g, t in zip(got, truth, strict=True)) / len(truth)
        assert accuracy > 0.7, (kind, accuracy)  # the right labels, not a permutation of codes
        assert answer["classes"] in (None, labels), kind
    reference = answers["joblib"]["labels"]
    for kind, answer in answers.items():
        agree = sum(a == b for a, b in zip(answer["labels"], reference, strict=True)) / len(
            reference
        )
        assert agree >= 0.995, (kind, agree)
