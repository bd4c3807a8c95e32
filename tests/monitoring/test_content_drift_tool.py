"""`ml_detect_drift` on images and text through the tools: an image CNN run's training images as
the reference and folders of new, unlabelled digits (as they are, brighter, resized) as current;
the model card shows the latest check; and a table with a free-text column against longer
texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.image_support import digits_folder
from tests.monitoring.content_shift import digit_images, tickets
from tests.support import inprocess_client
from tests.train_support import call

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.xdist_group("content_drift")]

FAST = {"max_epochs": 15, "patience": 3}


async def test_new_digit_images_drift_only_when_brighter_or_resized_and_the_card_says_so(
    tmp_path: Path,
):
    project = tmp_path
    digits_folder(project / "data" / "digits", per_class=40)
    for how in ("same", "brighter", "resized"):
        digit_images(project / "new" / how, 1200, 200, how)
    async with inprocess_client(project) as client:
        trained = await call(
            client,
            "ml_train",
            data_path="data/digits",
            target="label",
            model="image_cnn",
            params=FAST,
        )
        run = trained["run_id"]
        found = {
            how: await call(client, "ml_detect_drift", reference=run, current=f"new/{how}")
            for how in ("same", "brighter", "resized")
        }
        card = await call(client, "ml_model_card", run_id=run)
    same, brighter, resized = found["same"], found["brighter"], found["resized"]
    assert same["reference_rows"] == 320 and same["current_rows"] == 200
    assert trained["metrics"]["accuracy"] > 0.8  # a weak model's predicted shares move alone
    assert not same["drift"] and same["drifted_columns"] == [], same["headline"]
    assert brighter["drift"] and "path brightness" in brighter["drifted_columns"]
    assert "path width" not in brighter["drifted_columns"], brighter["headline"]
    assert resized["drift"] and "path width" in resized["headline"]
    assert resized["prediction"] is not None  # the predicted classes' shares were tested too
    text = (project / card["markdown"]).read_text()
    assert card["drift"] == "drift" and "path width" in text, "the card shows the resized check"


async def test_longer_texts_in_a_table_drift_by_their_length(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    tickets(600, 0).to_csv(data / "tickets.csv", index=False)
    tickets(300, 1).to_csv(data / "same.csv", index=False)
    tickets(300, 1, "longer").to_csv(data / "longer.csv", index=False)
    async with inprocess_client(tmp_path) as client:
        same = await call(
            client, "ml_detect_drift", reference="data/tickets.csv", current="data/same.csv"
        )
        longer = await call(
            client, "ml_detect_drift", reference="data/tickets.csv", current="data/longer.csv"
        )
    assert not same["drift"], same["headline"]
    assert longer["drift"] and "text length" in longer["drifted_columns"], longer["headline"]
    assert any("'text' tested by its properties length, oov_rate" in w for w in longer["warnings"])
