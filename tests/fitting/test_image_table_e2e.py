"""A CSV table with an image-path column (relative to the table's folder) and a label column is
image data, through the tools as an agent drives them: profiled, trained, evaluated, served (the
service takes the upload as for a folder); a path leaving the table's folder or naming no file is
refused in one line before any job starts."""

from __future__ import annotations

from pathlib import Path

import httpx
import pandas as pd
import pytest

from tests.image_support import digits_folder
from tests.support import inprocess_client, uvicorn_service
from tests.train_support import call, call_error

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

FAST = {"max_epochs": 3, "patience": 2}


def digits_table(project: Path, per_class: int) -> pd.DataFrame:
    """`data/labels.csv`: `file` (images/<digit>/<n>.png, relative), `digit`, `note`."""
    digits_folder(project / "data" / "images", per_class=per_class)
    files = sorted((project / "data" / "images").rglob("*.png"))
    table = pd.DataFrame(
        {
            "file": [f.relative_to(project / "data").as_posix() for f in files],
            "digit": [f"d{f.parent.name}" for f in files],
            "note": ["scanned"] * len(files),
        }
    )
    table.to_csv(project / "data" / "labels.csv", index=False)
    return table


async def test_a_table_of_image_paths_is_profiled_trained_evaluated_and_served(tmp_path: Path):
    table = digits_table(tmp_path, per_class=12)
    data = {"data_path": "data/labels.csv", "target": "digit"}
    async with inprocess_client(tmp_path) as client:
        profile = await call(client, "ml_profile_data", **data)
        trained = await call(client, "ml_train", **data, model="image_cnn", params=FAST)
        evaluated = await call(client, "ml_evaluate", run_id=trained["run_id"])
        served = await call(client, "ml_generate_serving", run_id=trained["run_id"])
    assert profile["data_kind"] == "images" and profile["rows"] == 120
    assert profile["kind_counts"] == {"image": 1, "categorical": 1}
    assert profile["target_summary"]["classes"] == 10
    assert profile["kind_details"]["sizes"] == {"8x8": 120}
    assert trained["test_rows"] == 24 and trained["model"] == "image_cnn"
    assert evaluated["metrics"]["accuracy"] == trained["metrics"]["accuracy"]
    png = tmp_path / "data" / table["file"][0]
    with uvicorn_service(tmp_path / served["output_dir"], "/ready", "--workers", "1") as base:
        reply = httpx.post(f"{base}/predict", files={"file": (png.name, png.read_bytes())})
    assert reply.status_code == 200, reply.text
    assert reply.json()["prediction"] in {f"d{d}" for d in range(10)}


async def test_an_image_path_leaving_the_tables_folder_or_naming_no_file_is_refused(
    tmp_path: Path,
):
    table = digits_table(tmp_path, per_class=2)
    (tmp_path / "secret.png").write_bytes((tmp_path / "data" / table["file"][0]).read_bytes())
    async with inprocess_client(tmp_path) as client:
        for bad, said in (
            ("../secret.png", "outside the table's folder"),
            ("gone.png", "no readable"),
        ):
            table.assign(file=[bad, *table["file"][1:]]).to_csv(
                tmp_path / "data" / "labels.csv", index=False
            )
            refused = await call_error(
                client, "ml_profile_data", data_path="data/labels.csv", target="digit"
            )
            assert said in refused and "\n" not in refused.strip(), refused
