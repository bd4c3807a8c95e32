"""`ml_tune` on images and free text: each trial fits the network on its fold's own rows (image
files, raw strings) as `ml_train` builds it, over a space of learning rate, an epoch cap that
early stopping cuts short, augmentation strength and, for pretrained backbones, freezing; an
image SPEC's holdout is the image kind's own split, kept out of the search, and the winner is an
evaluable, exportable run whose loaded model predicts on a raw PNG file or a raw string."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib
import pytest

from mcp_server.ml.data.kinds.registry import kind_for
from mcp_server.ml.modeling.dataset import prepare
from mcp_server.ml.tuning.folds import cross_val, make_folds
from mcp_server.ml.tuning.holdout import split_off
from mcp_server.ml.tuning.scoring import Scorer
from tests.image_support import digits_folder
from tests.support import inprocess_client
from tests.text_support import support_tickets
from tests.train_support import call

pytest.importorskip("torch")
pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("tune_images_text")]

PER_CLASS = 20
SPEC = """---
id: ML-031
version: 0.0.1
status: draft
created: 2026-12-07
updated: 2026-12-07
author: "@moai-ml"
priority: high
---

# @SPEC:ML-031: Handwritten digits from their pictures, tuned

## ML

```yaml
dataset: data/digits
target: label
task: multiclass
metric: accuracy
threshold: 0.3
test_size: 0.2
seed: 7
cv_folds: 2
candidates: [image_cnn]
```
"""


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tune_images") / "project"
    digits_folder(root / "data" / "digits", per_class=PER_CLASS)
    spec = root / ".moai" / "specs" / "SPEC-ML-031" / "spec.md"
    spec.parent.mkdir(parents=True)
    spec.write_text(SPEC, encoding="utf-8")
    support_tickets(300, seed=1).to_csv(root / "data" / "tickets.csv", index=False)
    return root


def _searched(project: Path) -> tuple[Any, Any, Any]:
    """The rows a tune of ML-031 searches (the image kind's holdout split off) and their folds."""
    path = project / "data" / "digits"
    data = prepare(path, "label", "multiclass", [], None, kind_for(path))
    data, holdout = split_off(data, 0.2, 7)
    return data, holdout, make_folds(data, 2, 7, Scorer("multiclass", "accuracy", 10))


def test_image_spaces_tune_learning_rate_epochs_and_augmentation_and_pretrained_ones_freezing():
    from mcp_server.ml.tuning.spaces import model_space

    cnn = model_space("image_cnn", "multiclass")
    assert {"learning_rate", "max_epochs", "augment"} <= set(cnn)
    assert cnn["learning_rate"]["log"] and cnn["max_epochs"]["high"] <= 60
    assert 0.0 == cnn["augment"]["low"] < cnn["augment"]["high"] <= 1.0
    for pretrained in ("image_pretrained", "text_pretrained"):
        space = model_space(pretrained, "multiclass")
        assert space["freeze_backbone"]["choices"] == [True, False]
        assert space["learning_rate"]["log"] and space["max_epochs"]["high"] <= 10
    assert "augment" in model_space("image_pretrained", "multiclass")


def test_an_image_search_s_folds_hold_the_image_files_of_the_kind_s_training_rows(
    project: Path,
):
    data, holdout, folds = _searched(project)
    assert len(holdout[2]) == 10 * PER_CLASS // 5 and len(data.y) == 8 * PER_CLASS
    held = set(holdout[0]["path"])
    for tr, va, X_tr, X_va in folds.parts:
        assert list(X_tr.columns) == ["path"] and X_tr["path"].str.endswith(".png").all()
        assert held.isdisjoint(X_tr["path"]) and held.isdisjoint(X_va["path"])
        assert len(set(tr) | set(va)) == len(data.y)


@pytest.mark.slow  # two CNN fits on 80 digits each: ~10 s on a quiet core
def test_a_cnn_scored_on_the_search_folds_learns_from_the_image_files(project: Path):
    _, _, folds = _searched(project)
    scored = cross_val(folds, "image_cnn", {"max_epochs": 20, "patience": 4})
    assert len(scored.scores) == 2 and scored.mean > 0.3  # chance is 0.1
    assert scored.oof.shape == (8 * PER_CLASS, 10)


@pytest.mark.slow  # the job, a refit, evaluate and export: a minute on a loaded machine
async def test_an_image_spec_tune_is_judged_on_the_kind_s_holdout_and_its_model_reads_a_png(
    project: Path,
):
    space = {"image_cnn": {"max_epochs": 15, "width": 8, "learning_rate": [3e-3, 1e-2]}}
    async with inprocess_client(project) as client:
        tuned = await call(
            client,
            "ml_tune",
            spec_path="ML-031",
            strategy="random",
            n_trials=2,
            time_budget_s=300,
            search_space=space,
            background=False,
        )
        assert tuned["best_model"] == "image_cnn" and tuned["metric"] == "accuracy"
        assert tuned["trials_this_call"] == 2 and tuned["trials_failed"] == 0
        assert tuned["train_rows"] == 8 * PER_CLASS and 0.0 <= tuned["best_params"]["augment"] <= 1
        assert all(row["fit_s"] > 0 for row in tuned["leaderboard"])
        held = tuned["holdout_metrics"]
        assert held["accuracy"] > 0.3  # chance is 0.1
        run = await call(client, "ml_get_run", run_id=tuned["run_id"])
        assert run["tags"]["moai.data_kind"] == "images" and run["run"]["kind"] == "tune"
        evaluated = await call(client, "ml_evaluate", run_id=tuned["run_id"])
        assert evaluated["rows"] == 2 * PER_CLASS
        assert evaluated["metrics"]["accuracy"] == pytest.approx(held["accuracy"])
        exported = await call(client, "ml_export", run_id=tuned["run_id"], format="joblib")
    model = joblib.load(project / exported["path"])
    seven = sorted((project / "data" / "digits" / "7").glob("*.png"))[0]
    proba = model.predict_proba([str(seven)])
    assert proba.shape == (1, 10) and model.predict([seven.read_bytes()])[0] in model.classes_


@pytest.mark.slow  # a tiny BERT and a tiny Transformer fitted per fold: under a minute
async def test_a_text_tune_searches_the_transformer_and_a_local_checkpoint_frozen_or_not(
    project: Path, tmp_path: Path
):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("transformers")
    from tests.modeling.test_text_pretrained import tiny_bert

    tickets = project / "data" / "tickets.csv"
    checkpoint = tiny_bert(tmp_path / "bert", list(pd.read_csv(tickets)["text"]))
    quick = {"batch_size": 16, "max_length": 32, "patience": 2, "dropout": 0.1}
    space = {  # four grid points: two learning rates, a backbone frozen and fine-tuned
        "text_transformer": {**quick, "learning_rate": [1e-3, 3e-3], "max_epochs": 6},
        "text_pretrained": {
            **{k: v for k, v in quick.items() if k != "dropout"},
            "checkpoint": checkpoint,
            "learning_rate": 1e-3,
            "max_epochs": 3,
            "freeze_backbone": [True, False],
        },
    }
    space["text_transformer"].update(d_model=32, n_layers=1)
    async with inprocess_client(project) as client:
        tuned = await call(
            client,
            "ml_tune",
            data_path="data/tickets.csv",
            target="queue",
            models=["text_transformer", "text_pretrained"],
            strategy="grid",
            cv_folds=2,
            time_budget_s=300,
            search_space=space,
            seed=0,
            background=False,  # the estimate of two text families would make it a job
        )
        exported = await call(client, "ml_export", run_id=tuned["run_id"], format="joblib")
    assert tuned["trials_this_call"] == 4 and tuned["trials_failed"] == 0
    params = [(row["model"], json.loads(row["params"])) for row in tuned["leaderboard"]]
    frozen = sorted(p["freeze_backbone"] for m, p in params if m == "text_pretrained")
    rates = sorted(p["learning_rate"] for m, p in params if m == "text_transformer")
    assert frozen == [False, True] and rates == [1e-3, 3e-3]
    assert max(row["value"] for row in tuned["leaderboard"]) > 0.3  # chance is 0.2
    model = joblib.load(project / exported["path"])
    frame = pd.DataFrame({"text": ["I was charged twice for my headphones"], "priority": [1]})
    assert model.predict(frame)[0] in set(pd.read_csv(tickets)["queue"])
