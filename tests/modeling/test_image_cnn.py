"""The CNN image family: a scikit-learn classifier of image files whose input size, colour mode
and normalisation are fitted state; seeded, so one seed gives one model on the CPU; its pickle
predicts on a raw file, bytes or a PIL image; early stopping keeps the best epoch."""

from __future__ import annotations

import io
from pathlib import Path

import joblib
import numpy as np
import pytest
from PIL import Image

from mcp_server.ml.data.kinds.images import ImageFolderKind
from mcp_server.ml.modeling.image_cnn import ImageCNNClassifier
from tests.image_support import digits_folder

# module fixtures: built once, on one worker
pytestmark = pytest.mark.xdist_group("image_cnn")

QUICK = {"max_epochs": 3, "patience": 2, "width": 8}


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = digits_folder(tmp_path_factory.mktemp("img") / "digits", per_class=12)
    frame = ImageFolderKind().read(folder)
    return frame[["path"]], np.unique(frame["label"], return_inverse=True)[1]


def test_one_seed_gives_one_model_and_the_input_recipe_is_fitted(rows):  # type: ignore[no-untyped-def]
    X, y = rows
    first = ImageCNNClassifier(**QUICK, random_state=3).fit(X, y)
    second = ImageCNNClassifier(**QUICK, random_state=3).fit(X, y)
    assert np.array_equal(first.predict_proba(X), second.predict_proba(X))
    other = ImageCNNClassifier(**QUICK, random_state=4).fit(X, y)
    assert not np.array_equal(first.predict_proba(X), other.predict_proba(X))
    assert first.image_size_ == 16 and first.color_ == "L"  # 8x8 digits: the 16 pixel floor
    assert first.classes_.tolist() == list(range(10))
    assert 1 <= first.n_epochs_ <= 3 and {"loss", "valid_loss"} <= set(first.history_[0])


def test_a_pickled_model_predicts_on_paths_bytes_pil_images_and_pixel_arrays(rows, tmp_path: Path):  # type: ignore[no-untyped-def]
    X, y = rows
    model = ImageCNNClassifier(**QUICK).fit(X, y)
    joblib.dump(model, tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib")
    paths = X["path"].tolist()[:5]
    expected = model.predict_proba(X.head(5))
    as_bytes = [Path(p).read_bytes() for p in paths]
    as_pil = [Image.open(io.BytesIO(b)) for b in as_bytes]
    as_arrays = [np.asarray(image) for image in as_pil]
    for given in (paths, as_bytes, as_pil, np.asarray(paths, dtype=object)):
        assert np.allclose(loaded.predict_proba(given), expected, atol=1e-6)
    assert np.allclose(loaded.predict_proba(as_arrays[0]), expected[:1], atol=1e-6)
    assert loaded.predict(paths[0]).shape == (1,)


def test_an_unreadable_image_is_refused_naming_it(rows):  # type: ignore[no-untyped-def]
    X, y = rows
    model = ImageCNNClassifier(**QUICK).fit(X, y)
    with pytest.raises(ValueError, match="cannot read the image 9 bytes"):
        model.predict([b"not a png"])


def test_early_stopping_keeps_the_best_epoch_and_stops_after_patience(rows):  # type: ignore[no-untyped-def]
    X, y = rows
    # a learning rate so large the validation loss cannot keep falling
    model = ImageCNNClassifier(max_epochs=30, patience=2, width=8, learning_rate=5.0).fit(X, y)
    losses = [h["valid_loss"] for h in model.history_]
    best = int(np.argmin(losses))
    assert len(losses) < 30 and len(losses) - 1 - best == 2


def test_a_prediction_is_the_network_s_own_logits_bit_for_bit_one_image_or_many(rows):  # type: ignore[no-untyped-def]
    import torch

    from mcp_server.ml.modeling.image_cnn import inference_graph
    from mcp_server.ml.modeling.image_io import load_tensor
    from mcp_server.ml.modeling.neural import softmax

    X, y = rows
    model = ImageCNNClassifier(**QUICK).fit(X, y)
    pixels = load_tensor(X, model.image_size_, model.color_)
    with torch.inference_mode():
        eager = model.module_(pixels).numpy()
        one = model.module_(pixels[:1]).numpy()
    assert np.array_equal(model.predict_proba(X), softmax(eager))
    assert np.array_equal(model.predict_proba(X.head(1)), softmax(one))
    # predicted through the traced graph, not the Python module, and refitting traces anew
    graph = inference_graph(model.module_, model.module_, pixels)
    assert isinstance(graph, torch.jit.ScriptModule)
    refit = model.fit(X, y[::-1].copy())
    assert inference_graph(refit.module_, refit.module_, pixels) is not graph
