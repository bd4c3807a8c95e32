"""Transfer learning for images from a `transformers` checkpoint saved locally (tiny ViT and
ResNet configs, no download): a new head for the classes, the backbone frozen or fine-tuned, the
fitted model pickled and predicting on raw files; a hub id that cannot be fetched is one line
naming the local-folder alternative."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest

from mcp_server.ml.data.kinds.images import ImageFolderKind
from tests.image_support import digits_folder

transformers = pytest.importorskip("transformers")
# transformers' import and a fresh process: ~40 s of CPU
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("image_transfer")]

QUICK = {"max_epochs": 2, "patience": 2, "batch_size": 16}


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = digits_folder(tmp_path_factory.mktemp("img") / "digits", per_class=6)
    frame = ImageFolderKind().read(folder)
    return frame[["path"]], np.unique(frame["label"], return_inverse=True)[1]


def _vit(folder: Path) -> str:
    config = transformers.ViTConfig(
        image_size=16,
        patch_size=4,
        num_channels=3,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        num_labels=3,
    )
    transformers.ViTForImageClassification(config).save_pretrained(folder)
    return str(folder)


def _resnet(folder: Path) -> str:
    config = transformers.ResNetConfig(
        num_channels=3, embedding_size=8, hidden_sizes=[8, 16], depths=[1, 1], num_labels=3
    )
    transformers.ResNetForImageClassification(config).save_pretrained(folder)
    return str(folder)


def test_a_frozen_vit_backbone_keeps_its_weights_and_only_the_new_head_learns(rows, tmp_path: Path):  # type: ignore[no-untyped-def]
    from mcp_server.ml.modeling.image_transfer import PretrainedImageClassifier

    X, y = rows
    checkpoint = _vit(tmp_path / "vit")
    before = transformers.ViTForImageClassification.from_pretrained(checkpoint)
    model = PretrainedImageClassifier(checkpoint=checkpoint, **QUICK).fit(X, y)
    net = model.module_.model
    assert net.classifier.out_features == 10 and model.image_size_ == 16
    assert all(
        np.array_equal(a.detach().numpy(), b.detach().numpy())
        for a, b in zip(before.vit.parameters(), net.vit.parameters(), strict=True)
    )
    joblib.dump(model, tmp_path / "m.joblib")
    again = joblib.load(tmp_path / "m.joblib")
    first = X["path"].iloc[0]
    assert np.allclose(again.predict_proba([first]), model.predict_proba(X.head(1)), atol=1e-6)


def test_fine_tuning_a_resnet_changes_the_backbone(rows, tmp_path: Path):  # type: ignore[no-untyped-def]
    from mcp_server.ml.modeling.image_transfer import PretrainedImageClassifier

    X, y = rows
    checkpoint = _resnet(tmp_path / "resnet")
    before = transformers.ResNetForImageClassification.from_pretrained(checkpoint)
    model = PretrainedImageClassifier(
        checkpoint=checkpoint, freeze_backbone=False, image_size=16, **QUICK
    ).fit(X, y)
    changed = [
        not np.array_equal(a.detach().numpy(), b.detach().numpy())
        for a, b in zip(
            before.resnet.parameters(), model.module_.model.resnet.parameters(), strict=True
        )
    ]
    assert any(changed) and model.predict(X.head(3)).shape == (3,)


def test_a_hub_id_that_cannot_be_fetched_names_the_local_folder_alternative():
    script = (
        "from mcp_server.ml.modeling.image_transfer import load_checkpoint\n"
        "try:\n    load_checkpoint('no-such-org/no-such-model', 3)\n"
        "except ValueError as exc:\n    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        check=True,
    ).stdout
    assert "cannot load the checkpoint 'no-such-org/no-such-model'" in out
    assert out.strip().endswith(
        "pass a local folder written by save_pretrained as checkpoint instead"
    )
    assert len(out.strip().splitlines()) == 1
