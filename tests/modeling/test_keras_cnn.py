"""The Keras CNN image family (`keras_cnn`): trained from scratch on digits PNGs it predicts unseen
digits well above chance; one seed gives one model on the CPU; its augmentation, input size and
normalisation travel with the pickle, so a reloaded joblib export in a fresh interpreter answers a
raw PNG path and raw bytes as the fitted model does; its ONNX file takes image_cnn's pixels and
matches the model on every holdout image; and through the tools over stdio it trains, evaluates,
exports (ONNX proven on every image of its folder) and its generated service answers an upload."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import joblib
import numpy as np
import onnx
import onnxruntime as ort
import pytest

from mcp_server.core.errors import MoaiMlError
from mcp_server.files.workspace import Workspace
from mcp_server.ml.data.kinds.images import ImageFolderKind
from mcp_server.ml.export.formats import export_pipeline
from mcp_server.ml.export.onnx_parity import TOLERANCE
from mcp_server.ml.modeling.dataset import prepare
from mcp_server.ml.modeling.image_io import load_tensor
from mcp_server.ml.modeling.keras_cnn import KerasCNNClassifier
from mcp_server.ml.modeling.preprocess import build_pipeline
from mcp_server.ml.serving.service import ModelInfo
from mcp_server.ml.serving.tfserving import SCRIPT
from mcp_server.ml.serving.tfserving_images import image_request, keras_cnn, render_image_tfserving
from mcp_server.ml.tracking import tags
from tests.image_support import digits_folder
from tests.support import ROOT, inprocess_client, uvicorn_service
from tests.train_support import call

# module fixtures: built once, on one worker
pytestmark = pytest.mark.xdist_group("keras_cnn")

QUICK = {"max_epochs": 8, "patience": 3, "width": 8, "batch_size": 16, "random_state": 5}
TRAIN_PER_CLASS = 20


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Any, Any]:
    """The first 20 digits of each class to train on, the next 10 as unseen images."""
    folder = digits_folder(tmp_path_factory.mktemp("keras") / "digits", per_class=30)
    frame = ImageFolderKind().read(folder)
    order = frame.groupby("label").cumcount()
    train, test = frame[order < TRAIN_PER_CLASS], frame[order >= TRAIN_PER_CLASS]
    return train[["path"]], train["label"].to_numpy(), test[["path"]], test["label"].to_numpy()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Any]:
    """A Keras CNN pipeline trained 2 epochs on 8 digits a class, the schema, the 40 unseen ones."""
    folder = digits_folder(tmp_path_factory.mktemp("tiny") / "digits", per_class=12)
    data = prepare(folder, "label")
    seen = (data.X.groupby(data.y).cumcount() < 8).to_numpy()
    pipeline = build_pipeline(data.schema, "keras_cnn", {"max_epochs": 2, "width": 8}, 0)
    pipeline.fit(data.X[seen], data.y[seen])
    holdout = ImageFolderKind().read(folder)[~seen].reset_index(drop=True)
    return pipeline, data.schema, holdout


@pytest.fixture(scope="module")
def fitted(digits: tuple[Any, Any, Any, Any]) -> KerasCNNClassifier:
    X, y, _, _ = digits
    return KerasCNNClassifier(**QUICK).fit(X, y)


def test_the_keras_cnn_predicts_unseen_digits_well_above_chance_reporting_each_epoch(
    digits: tuple[Any, Any, Any, Any], fitted: KerasCNNClassifier
) -> None:
    _, _, X_test, y_test = digits
    accuracy = float(np.mean(fitted.predict(X_test) == y_test))
    assert accuracy >= 0.6, accuracy  # chance is 0.1
    assert fitted.image_size_ == 16 and fitted.color_ == "L"
    assert 1 <= fitted.n_epochs_ <= QUICK["max_epochs"]
    assert [h["epoch"] for h in fitted.history_] == list(range(1, fitted.n_epochs_ + 1))
    assert all(h["loss"] > 0 and h["valid_loss"] > 0 for h in fitted.history_)


def test_one_seed_gives_one_keras_cnn_and_another_seed_another(
    digits: tuple[Any, Any, Any, Any],
) -> None:
    X, y, X_test, _ = digits
    short = {**QUICK, "max_epochs": 2}  # two epochs: two shuffles, dropout and the start alike
    first_two = KerasCNNClassifier(**short).fit(X, y)
    again = KerasCNNClassifier(**short).fit(X, y)
    assert np.array_equal(again.predict_proba(X_test), first_two.predict_proba(X_test))
    assert again.history_ == first_two.history_ and len(again.history_) == 2
    other = KerasCNNClassifier(**{**short, "random_state": 6}).fit(X, y)
    assert not np.array_equal(other.predict_proba(X_test), first_two.predict_proba(X_test))


FRESH = """
import json, sys
from pathlib import Path
import joblib
model = joblib.load(sys.argv[1])
path = sys.argv[2]
print(json.dumps({
    "path": model.predict_proba([path]).tolist(),
    "bytes": model.predict_proba([Path(path).read_bytes()]).tolist(),
    "label": model.predict(path).tolist(),
}))
"""


def test_a_reloaded_export_in_a_fresh_interpreter_answers_a_raw_png_path_and_bytes_alike(
    digits: tuple[Any, Any, Any, Any], fitted: KerasCNNClassifier, tmp_path: Path
) -> None:
    _, _, X_test, _ = digits
    png = str(X_test["path"].iloc[3])
    joblib.dump(fitted, tmp_path / "model.joblib")
    done = subprocess.run(
        [sys.executable, "-c", FRESH, str(tmp_path / "model.joblib"), png],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    expected = fitted.predict_proba([png])
    np.testing.assert_array_equal(np.asarray(answer["path"]), expected)
    np.testing.assert_array_equal(np.asarray(answer["bytes"]), expected)
    assert answer["label"] == fitted.predict([png]).tolist()


@pytest.mark.slow
@pytest.mark.anyio
async def test_the_keras_cnn_trains_evaluates_exports_and_its_service_answers_an_upload(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    digits = digits_folder(project / "data" / "digits", per_class=12)
    folder = {"data_path": "data/digits", "target": "label"}
    params = {"max_epochs": 4, "patience": 2, "width": 8}
    async with inprocess_client(project) as client:
        trained = await call(client, "ml_train", **folder, model="keras_cnn", params=params)
        assert trained["model"] == "keras_cnn" and trained["metrics"]["accuracy"] > 0.1
        run_id = trained["run_id"]
        evaluated = await call(client, "ml_evaluate", run_id=run_id)
        assert evaluated["metrics"]["accuracy"] == trained["metrics"]["accuracy"]
        onnx_file = await call(client, "ml_export", run_id=run_id, format="onnx")
        exported = await call(client, "ml_export", run_id=run_id, format="joblib")
        served = await call(client, "ml_generate_serving", run_id=run_id)
    parity = onnx_file["parity"]  # on every image of the run's folder: 120
    assert parity["passed"] and parity["rows"] == 120 and parity["label_agreement"] == 1.0
    assert (project / onnx_file["path"]).is_file()
    model = joblib.load(project / str(exported["path"]))
    png = sorted((digits / "7").glob("*.png"))[0]
    want = model.predict_proba([png.read_bytes()])[0]
    with uvicorn_service(project / served["output_dir"], "/ready", "--workers", "1") as base:
        uploaded = httpx.post(f"{base}/predict", files={"file": (png.name, png.read_bytes())})
        encoded = httpx.post(
            f"{base}/predict/base64", json={"image": base64.b64encode(png.read_bytes()).decode()}
        )
    for reply in (uploaded, encoded):
        assert reply.status_code == 200, reply.text
        answer = reply.json()
        assert answer["prediction"] == model.predict([str(png)])[0]
        got = [answer["probabilities"][str(c)] for c in model.classes_]
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)


@pytest.mark.slow
def test_the_onnx_export_takes_image_cnn_s_pixels_and_matches_the_model_on_every_holdout_image(
    tiny: tuple[Any, Any, Any], tmp_path: Path
) -> None:
    pipeline, schema, holdout = tiny
    done = export_pipeline(
        Workspace(tmp_path), "r", pipeline, schema, "keras_cnn", "onnx", holdout, "images"
    )
    assert done.parity is not None and done.parity.passed and done.parity.rows == len(holdout)
    assert done.parity.label_agreement == 1.0 and done.parity.max_abs_diff <= TOLERANCE
    model = onnx.load(done.path)
    assert [i.name for i in model.graph.input] == ["pixels"]
    stated = {p.key: p.value for p in model.metadata_props}[tags.ONNX_IMAGE_PREPROCESSING]
    assert "resize to 16x16" in stated and "mode L" in stated
    session = ort.InferenceSession(str(done.path), providers=["CPUExecutionProvider"])
    paths = holdout["path"].tolist()
    labels, proba = session.run(None, {"pixels": load_tensor(paths, 16, "L").numpy()})
    expected = pipeline.predict_proba(holdout[["path"]])
    assert np.abs(proba - expected).max() <= TOLERANCE  # the augmentation is off in the graph
    codes = pipeline.predict(holdout[["path"]])
    assert [str(label) for label in labels] == [str(schema.classes[c]) for c in codes]


@pytest.mark.slow
def test_a_prediction_is_the_keras_network_s_own_logits_bit_for_bit_one_image_or_many(
    tiny: tuple[Any, Any, Any],
) -> None:
    import keras
    import torch

    from mcp_server.ml.modeling.image_cnn import inference_graph
    from mcp_server.ml.modeling.neural import softmax

    pipeline, _, holdout = tiny
    model = pipeline.steps[-1][1]
    pixels = load_tensor(holdout[["path"]], model.image_size_, model.color_)

    def keras_logits(batch: Any) -> Any:  # Keras' own call, channels last, augmentation off
        with torch.no_grad():
            eager = model.model_(batch.permute(0, 2, 3, 1).contiguous(), training=False)
        return keras.ops.convert_to_numpy(eager)

    many, one = holdout[["path"]], holdout[["path"]].head(1)
    assert np.array_equal(model.predict_proba(many), softmax(keras_logits(pixels)))
    assert np.array_equal(model.predict_proba(one), softmax(keras_logits(pixels[:1])))
    graph = inference_graph(model.model_, model.image_module(), pixels)
    assert isinstance(graph, torch.jit.ScriptModule)  # traced: a tenth of Keras' Python cost


def test_the_keras_cnn_tunes_learning_rate_epochs_and_augmentation_like_image_cnn() -> None:
    from mcp_server.ml.tuning.spaces import model_space

    space = model_space("keras_cnn", "multiclass")
    assert space == model_space("image_cnn", "multiclass")
    assert {"learning_rate", "max_epochs", "augment"} <= set(space)


@pytest.mark.slow
@pytest.mark.anyio
async def test_ml_tune_searches_the_keras_cnn_s_augmentation_and_its_winner_reads_a_png(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    digits = digits_folder(project / "data" / "digits", per_class=10)
    fixed = {"max_epochs": 4, "width": 8, "batch_size": 16, "learning_rate": 3e-3, "dropout": 0.1}
    space = {"keras_cnn": {**fixed, "augment": [0.0, 0.6]}}  # two grid points
    async with inprocess_client(project) as client:
        tuned = await call(
            client,
            "ml_tune",
            data_path="data/digits",
            target="label",
            models=["keras_cnn"],
            strategy="grid",
            cv_folds=2,
            time_budget_s=300,
            search_space=space,
            seed=0,
            background=False,
        )
        exported = await call(client, "ml_export", run_id=tuned["run_id"], format="joblib")
    assert tuned["best_model"] == "keras_cnn" and tuned["trials_this_call"] == 2
    assert tuned["trials_failed"] == 0
    augments = sorted(json.loads(row["params"])["augment"] for row in tuned["leaderboard"])
    assert augments == [0.0, 0.6]
    model = joblib.load(project / exported["path"])
    png = sorted((digits / "3").glob("*.png"))[0]
    assert model.predict([png.read_bytes()])[0] in model.classes_


@pytest.mark.slow
@pytest.mark.anyio
async def test_a_table_of_image_paths_trains_the_keras_cnn_and_compares_it_only_when_named(
    tmp_path: Path,
) -> None:
    from tests.fitting.test_image_table_e2e import digits_table

    table = digits_table(tmp_path, per_class=8)
    data = {"data_path": "data/labels.csv", "target": "digit"}
    params = {"max_epochs": 3, "patience": 2, "width": 8, "batch_size": 16}
    async with inprocess_client(tmp_path) as client:
        trained = await call(client, "ml_train", **data, model="keras_cnn", params=params)
        compared = await call(
            client,
            "ml_compare_models",
            **data,
            models=["keras_cnn"],
            cv_folds=2,
            params={"keras_cnn": params},
        )
        exported = await call(client, "ml_export", run_id=trained["run_id"], format="joblib")
    assert trained["model"] == "keras_cnn" and trained["test_rows"] == 16
    assert [row["model"] for row in compared["leaderboard"]] == ["keras_cnn"]
    model = joblib.load(tmp_path / str(exported["path"]))
    png = tmp_path / "data" / table["file"][0]
    assert model.predict([png.read_bytes()])[0] in {f"d{d}" for d in range(10)}


def test_a_comparison_of_image_data_leaves_the_keras_cnn_out_unless_named() -> None:
    from mcp_server.ml.modeling.registry import REGISTRY

    assert REGISTRY["image_cnn"].in_defaults and not REGISTRY["keras_cnn"].in_defaults
    assert REGISTRY["keras_cnn"].data_kinds == ("images",)


TF_PYTHON = os.environ.get("MOAI_ML_TF_PYTHON") or str(ROOT / ".venv-tf/bin/python")


@pytest.mark.slow
@pytest.mark.external  # TensorFlow in .venv-tf
def test_the_saved_model_for_tf_serving_answers_every_holdout_image_like_the_keras_cnn(
    tiny: tuple[Any, Any, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not Path(TF_PYTHON).is_file():
        pytest.skip("no TensorFlow venv: run scripts/setup_tf_venv.sh (make test does)")
    monkeypatch.setenv("MOAI_ML_TF_PYTHON", TF_PYTHON)
    pipeline, schema, holdout = tiny
    info = ModelInfo(pipeline, schema, "keras_cnn", "r" * 32, {})
    for rel, data in render_image_tfserving(info, "digits", 1).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data if isinstance(data, bytes) else data.encode())
    assert (tmp_path / "digits/1/saved_model.pb").is_file()
    readme = (tmp_path / "README.md").read_text()
    assert "1 x 16 x 16" in readme and "not on PyPI" in readme and ":predict" in readme
    assert json.loads((tmp_path / "features.json").read_text())["pixels"] == [1, 16, 16]
    mid_grey = _tf_check(tmp_path, tmp_path / "request.json")  # the README's body is accepted
    assert len(mid_grey["probabilities"]) == 1 and len(mid_grey["probabilities"][0]) == 10
    pixels = load_tensor(holdout["path"].tolist(), 16, "L").numpy()
    body = image_request(pixels)
    (tmp_path / "holdout.json").write_text(json.dumps(body))
    got = _tf_check(tmp_path, tmp_path / "holdout.json")
    expected = pipeline.predict_proba(holdout[["path"]])
    assert np.abs(np.asarray(got["probabilities"]) - expected).max() <= TOLERANCE
    assert got["label"] == np.argmax(expected, axis=1).tolist()


def _tf_check(folder: Path, request: Path) -> dict[str, Any]:
    done = subprocess.run(
        [TF_PYTHON, str(SCRIPT), "check", "digits/1", str(request), "models.config"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answers: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])["answers"]
    return answers


def test_tf_serving_of_an_image_run_refuses_a_family_other_than_the_keras_cnn_in_one_line() -> None:
    from mcp_server.ml.modeling.image_cnn import ImageCNNClassifier

    with pytest.raises(MoaiMlError, match="model='keras_cnn'") as refused:
        keras_cnn(ImageCNNClassifier())
    assert "\n" not in str(refused.value)
